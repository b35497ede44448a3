import Foundation
import GitKit

/// Gathers a report's figures from the audit log and, for what dropped commits became, from the
/// repositories themselves as they are now.
public struct ReportBuilder {
    let store: AuditStore
    /// The repository the command runs in (a report of another repository opens that one).
    let repository: Repository

    public init(store: AuditStore, repository: Repository) {
        self.store = store
        self.repository = repository
    }

    /// Dropped commits listed per rewrite; the count is always complete.
    static let droppedListLimit = 50

    public enum Failure: Error, CustomStringConvertible {
        case unknownRepository(String, known: [String])
        public var description: String {
            switch self {
            case .unknownRepository(let name, let known):
                return "the audit log has no repository \(name); it has: "
                    + (known.isEmpty ? "none" : known.joined(separator: ", "))
            }
        }
    }

    /// The report of `scope`. Its figures come from SQL sums over the daily counts and partial indexes,
    /// its listings are the newest `scope.listLimit` rows of each kind, and only the listed rewrites are
    /// analysed in the repository: the cost follows what the report shows, not the size of the log.
    /// `listingEvents` also loads every event in scope (the CSV's rows).
    public func build(_ scope: ReportScope, now: Date = Date(), listingEvents: Bool = false) throws -> AuditReport {
        var filter = EventFilter()
        filter.since = scope.since
        filter.until = scope.until
        filter.ref = scope.ref
        filter.pusher = scope.pusher
        let names: [String]
        switch scope.repositories {
        case .current: filter.repository = repository.auditIdentity; names = [repository.auditIdentity]
        case .named(let name): filter.repository = try resolveRepository(name); names = [filter.repository!]
        case .all: filter.repository = nil; names = try store.repositories()
        }
        var sections: [AuditReport.Section] = []
        for name in names {
            var only = filter
            only.repository = name
            let figures = try Figures(store: store, filter: only, limit: scope.listLimit)
            if scope.repositories == .all, figures.eventCount == 0 { continue }
            sections.append(try section(repository: name, figures: figures, scope: scope))
        }
        let total: AuditReport.Section
        if scope.repositories == .all {
            let figures = try Figures(store: store, filter: filter, limit: scope.listLimit)
            total = Self.merge(sections, figures: figures, limit: scope.listLimit)
        } else {
            total = sections[0]
        }
        let period = try store.period(filter)
        return AuditReport(
            generatedAt: now, database: store.location.databasePath, scope: scope,
            period: AuditReport.Period(since: scope.since, until: scope.until, firstEvent: period.first,
                                       lastEvent: period.last),
            total: total, repositories: scope.repositories == .all ? sections : [],
            integrity: try integrity(now: now),
            events: listingEvents ? try store.events(filter) : [])
    }

    /// The hash chain of the whole database (it covers every repository's rows), verified from the last
    /// checkpoint on; `git refuge verify` verifies every row and SQLite's pages.
    private func integrity(now: Date) throws -> AuditReport.Integrity {
        let check = try store.checkChainSinceCheckpoint(now: now)
        if let problem = check.firstBreak {
            return AuditReport.Integrity(
                checked: true, intact: false, detail: "broken: event #\(problem.eventID): \(problem.problem)")
        }
        var detail = "intact: the hash chain of all \(check.events) event(s) in the database checks out; head \(check.head)"
        if let checkpoint = check.checkpoint {
            detail += " (events up to #\(checkpoint.eventID) as verified on \(Timestamp.short(checkpoint.verifiedAt)), "
                + "the \(check.verifiedNow) after them now; git refuge verify checks every row again)"
        }
        return AuditReport.Integrity(checked: true, intact: true, detail: detail)
    }

    /// A repository named on the command line: its path as the log stores it (a work tree or git dir).
    private func resolveRepository(_ name: String) throws -> String {
        let known = try store.repositories()
        if known.contains(name) { return name }
        // An older path of a moved repository: the path its identity is reported under.
        let sharing = Set(try store.paths(sharingIdentityWith: (name as NSString).standardizingPath))
        if let path = known.first(where: sharing.contains) { return path }
        if let opened = try? Repository.open(at: name), known.contains(opened.auditIdentity) { return opened.auditIdentity }
        let standardized = (name as NSString).standardizingPath
        if known.contains(standardized) { return standardized }
        throw Failure.unknownRepository(name, known: known)
    }

    // MARK: One repository

    private func section(repository path: String, figures: Figures, scope: ReportScope) throws
        -> AuditReport.Section
    {
        let mine = try store.paths(sharingIdentityWith: repository.auditIdentity).contains(path)
        let opened: Repository? = mine ? repository : try? Repository.open(at: path)
        var lost: [LostCommit] = []
        var lostProblem: String?
        var explained: [AuditReport.Rewrite] = []
        if let opened {
            // One walk of the live history serves both what became of dropped commits and the lost scan.
            let scan = LostCommitScan(repository: opened, store: store)
            let live = try scan.live()
            // Copies of what the listed rewrites dropped, by the rule `lost` and `show` use.
            let dropped = try figures.newestRewrites.compactMap { event -> (commit: ObjectID, leftAt: Date?)? in
                guard let old = event.old, opened.contains(old), let commit = try opened.peelToCommit(old) else { return nil }
                return (commit, event.time)
            }
            let copies = try CommitCopies(
                repository: opened, liveTips: live.tips,
                since: try CommitCopies.earliestCopyTime(dropped, repository: opened))
            let states = try DroppedStates(
                repository: opened, live: live, recoveries: try store.recoveries(in: path).filter { $0.status == .done },
                copies: copies)
            for event in figures.newestRewrites {
                let recoveries = try store.recoveries(undoing: event.id ?? -1).filter { $0.status == .done }
                explained.append(AuditReport.Rewrite(
                    event: event, dropped: try states.dropped(by: event, recoveries: recoveries),
                    recoveries: recoveries.compactMap(\.id)))
            }
            do {
                // Lost work only: a chain with a live copy (rewritten), recovered or applied is not waiting.
                lost = try scan.run(.init(since: scope.since), live: live).filter { $0.state == .lost }
            } catch {
                lostProblem = "\(error)"
            }
        } else {
            lostProblem = "cannot open \(path) to look at its commits"
            for event in figures.newestRewrites {
                let recoveries = try store.recoveries(undoing: event.id ?? -1).filter { $0.status == .done }
                explained.append(AuditReport.Rewrite(event: event, dropped: nil, recoveries: recoveries.compactMap(\.id)))
            }
        }
        return figures.section(repository: path, rewrites: explained, lost: lost, lostProblem: lostProblem)
    }

    static func merge(_ sections: [AuditReport.Section], figures: Figures, limit: Int) -> AuditReport.Section {
        let rewrites = sections.flatMap(\.rewrites)
            .sorted { ($0.event.time, $0.event.id ?? 0) < ($1.event.time, $1.event.id ?? 0) }.suffix(limit)
        let lost = sections.flatMap(\.lostWaiting).sorted { $0.time > $1.time }
        let problems = sections.compactMap { section in section.lostScanProblem.map { "\(section.repository): \($0)" } }
        return figures.section(repository: "all repositories", rewrites: Array(rewrites), lost: lost,
                               lostProblem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }
}

/// What became of dropped commits, from one walk of what the refs reach and one of what pins keep.
struct DroppedStates {
    let repository: Repository
    let live: Set<ObjectID>
    let pinned: Set<ObjectID>
    /// The patch ids of the commits each replay added to its ref (its copies), with the recovery and when.
    let replayed: [ObjectID: (id: Int64, time: Date)]

    /// Live copies by the rule `lost` and `show` use (a rewrite made after the update: a squash, an amend).
    let copies: CommitCopies?

    init(repository: Repository, live history: LostCommitScan.LiveHistory, recoveries: [AuditEvent],
         copies: CommitCopies? = nil) throws {
        self.repository = repository
        self.copies = copies
        live = history.commits
        let pins = try repository.references(under: RefugeRefs.kept).compactMap { try repository.peelToCommit($0.target) }
        pinned = try repository.commitSet(reachableFrom: pins, excluding: history.tips)
        replayed = try Self.replayedPatches(recoveries, repository: repository)
    }

    /// The commits `event` dropped (newest first, at most the report's limit) and their state now.
    func dropped(by event: AuditEvent, recoveries: [AuditEvent]) throws -> [AuditReport.DroppedState]? {
        guard let old = event.old else { return [] }
        guard repository.contains(old) else { return nil }
        guard let oldCommit = try repository.peelToCommit(old) else { return [] }
        let hidden: [ObjectID]
        if event.kind == .delete {
            // What other refs kept at the time is unknown; those that exist now are the best estimate,
            // without the ref itself and the refs its recoveries made (they hold the dropped commits now).
            let restored = Set([event.ref] + recoveries.map(\.ref))
            hidden = try UpdateClassifier(repository: repository).remainingTips(excluding: restored)
        } else {
            hidden = try event.new.flatMap { try repository.peelToCommit($0) }.map { [$0] } ?? []
        }
        let commits = try repository.commits(reachableFrom: [oldCommit], excluding: hidden, limit: ReportBuilder.droppedListLimit)
        var rewritten: Set<ObjectID>?  // walked once, for the first commit that needs it
        func rewrites() throws -> Set<ObjectID> {
            if let rewritten { return rewritten }
            rewritten = try rewrittenPatches(of: event, oldCommit: oldCommit)
            return rewritten!
        }
        return try commits.map { commit in
            var state: AuditReport.DroppedState.State
            var recoveredBy: Int64?
            // A patch id costs a diff: only a commit no ref reaches needs one.
            let patch = live.contains(commit.id) ? nil : try repository.patchID(of: commit.id)
            if live.contains(commit.id) {
                state = recoveries.isEmpty ? .reachable : .recovered
                recoveredBy = recoveries.first?.id
            } else if let patch, let replay = replayed[patch], replay.time >= event.time {
                // `recover --replay` brings work back as copies: the same patch, added by a later recovery
                // (of this update, or of another that dropped the same commits).
                state = .recovered
                recoveredBy = replay.id
            } else if let patch, try rewrites().contains(patch) {
                state = .rewritten  // the update itself holds a copy: a rebase or an amend, not lost work
            } else if try copies?.copy(of: commit) != nil {
                state = .rewritten  // a live copy by the rule `lost` uses (a squash, an amend that changed content)
            } else if pinned.contains(commit.id) {
                state = .pinned
            } else {
                state = .lost
            }
            return AuditReport.DroppedState(commit: commit, state: state, recoveredBy: recoveredBy)
        }
    }

    /// The patch ids of the commits a forced update added (its new value's history beyond the old one).
    private func rewrittenPatches(of event: AuditEvent, oldCommit: ObjectID) throws -> Set<ObjectID> {
        guard event.kind == .forced, let new = event.new, let newCommit = try repository.peelToCommit(new) else { return [] }
        var patches: Set<ObjectID> = []
        for commit in try repository.commitsOldestFirst(reachableFrom: [newCommit], excluding: [oldCommit]) {
            if let patch = try repository.patchID(of: commit) { patches.insert(patch) }
        }
        return patches
    }

    /// Replays into an existing ref (`recover --replay`): what they added beyond the ref's old value.
    /// Restores and `--as` creations bring the original commits back, which `live` already sees.
    private static func replayedPatches(_ recoveries: [AuditEvent], repository: Repository) throws
        -> [ObjectID: (id: Int64, time: Date)]
    {
        var patches: [ObjectID: (id: Int64, time: Date)] = [:]
        for recovery in recoveries where recovery.reason?.hasPrefix("replayed") == true {
            guard let id = recovery.id, let new = recovery.new, let newCommit = try repository.peelToCommit(new),
                  let old = recovery.old, let base = try repository.peelToCommit(old)
            else { continue }
            for commit in try repository.commitsOldestFirst(reachableFrom: [newCommit], excluding: [base]) {
                if let patch = try repository.patchID(of: commit) { patches[patch] = (id, recovery.time) }
            }
        }
        return patches
    }
}
