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

    public func build(_ scope: ReportScope, now: Date = Date()) throws -> AuditReport {
        var filter = EventFilter()
        filter.since = scope.since
        filter.until = scope.until
        filter.ref = scope.ref
        filter.pusher = scope.pusher
        switch scope.repositories {
        case .current: filter.repository = repository.auditIdentity
        case .named(let name): filter.repository = try resolveRepository(name)
        case .all: filter.repository = nil
        }
        let all = try store.events(filter)
        // A recovery writes its intent (`attempted`) and then its outcome: figures count the outcome only.
        let settled = Set(all.filter { $0.hook == .recover && $0.status != .attempted }.map(\.batch))
        let events = all.filter { !($0.hook == .recover && $0.status == .attempted && settled.contains($0.batch)) }
        var names = Array(Set(events.map(\.repository))).sorted()
        if let only = filter.repository, names.isEmpty { names = [only] }
        let sections = try names.map { name in
            try section(repository: name, events: events.filter { $0.repository == name }, scope: scope, now: now)
        }
        let total = sections.count == 1 ? sections[0] : Self.merge(sections, events: events, now: now)
        return AuditReport(
            generatedAt: now, database: store.location.databasePath, scope: scope,
            period: AuditReport.Period(since: scope.since, until: scope.until, firstEvent: events.first?.time,
                                       lastEvent: events.last?.time),
            total: total, repositories: scope.repositories == .all ? sections : [],
            integrity: try integrity(),
            events: all)
    }

    /// `git refuge verify` over the whole database (the chain covers every repository's rows).
    private func integrity() throws -> AuditReport.Integrity {
        let result = try store.verifyChain()
        var detail: String
        if let problem = result.firstBreak {
            detail = "broken: event #\(problem.eventID): \(problem.problem)"
        } else {
            detail = "intact: the hash chain of all \(result.events) event(s) in the database checks out; head \(result.head)"
        }
        if result.integrity != ["ok"] { detail += "; SQLite integrity check: \(result.integrity.prefix(3).joined(separator: "; "))" }
        return AuditReport.Integrity(checked: true, intact: result.intact, detail: detail)
    }

    /// A repository named on the command line: its path as the log stores it (a work tree or git dir).
    private func resolveRepository(_ name: String) throws -> String {
        let known = try store.repositories()
        if known.contains(name) { return name }
        if let opened = try? Repository.open(at: name), known.contains(opened.auditIdentity) { return opened.auditIdentity }
        let standardized = (name as NSString).standardizingPath
        if known.contains(standardized) { return standardized }
        throw Failure.unknownRepository(name, known: known)
    }

    // MARK: One repository

    private func section(repository path: String, events: [AuditEvent], scope: ReportScope, now: Date) throws
        -> AuditReport.Section
    {
        let opened: Repository? = path == repository.auditIdentity ? repository : try? Repository.open(at: path)
        let rewrites = events.filter { $0.kind.canDropCommits && $0.status != .rejected && $0.hook != .recover }
        var lost: [LostCommit] = []
        var lostProblem: String?
        var explained: [AuditReport.Rewrite] = []
        if let opened {
            let states = try DroppedStates(
                repository: opened, recoveries: try store.recoveries(in: path).filter { $0.status == .done })
            for event in rewrites {
                let recoveries = try store.recoveries(undoing: event.id ?? -1).filter { $0.status == .done }
                explained.append(AuditReport.Rewrite(
                    event: event, dropped: try states.dropped(by: event, recoveries: recoveries),
                    recoveries: recoveries.compactMap(\.id)))
            }
            do {
                lost = try LostCommitScan(repository: opened, store: store).run(.init(since: scope.since))
            } catch {
                lostProblem = "\(error)"
            }
        } else {
            lostProblem = "cannot open \(path) to look at its commits"
            for event in rewrites {
                let recoveries = try store.recoveries(undoing: event.id ?? -1).filter { $0.status == .done }
                explained.append(AuditReport.Rewrite(event: event, dropped: nil, recoveries: recoveries.compactMap(\.id)))
            }
        }
        return Self.figures(
            repository: path, events: events, rewrites: explained, lost: lost, lostProblem: lostProblem, now: now)
    }

    static func figures(repository: String, events: [AuditEvent], rewrites: [AuditReport.Rewrite], lost: [LostCommit],
                        lostProblem: String?, now: Date) -> AuditReport.Section {
        func counted(_ names: [String]) -> [AuditReport.Count] {
            Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
                .map { AuditReport.Count(name: $0.key, count: $0.value) }
                .sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        return AuditReport.Section(
            repository: repository, eventCount: events.count,
            byKind: UpdateKind.allCases.map { kind in AuditReport.Count(name: kind.rawValue, count: events.filter { $0.kind == kind }.count) },
            bySide: Side.allCases.map { side in AuditReport.Count(name: side.rawValue, count: events.filter { $0.side == side }.count) },
            rewrites: rewrites,
            mostRewrittenRefs: Array(counted(rewrites.map(\.event.ref)).prefix(10)),
            topForcePushers: Array(counted(rewrites.map { $0.event.pusher ?? "unknown" }).prefix(10)),
            lostWaiting: lost, lostScanProblem: lostProblem,
            unconfirmedPushes: events.filter { $0.side == .client && $0.status == .attempted },
            refusals: events.filter { $0.status == .rejected },
            recoveries: events.filter { $0.hook == .recover },
            timeline: timeline(events))
    }

    static func merge(_ sections: [AuditReport.Section], events: [AuditEvent], now: Date) -> AuditReport.Section {
        let rewrites = sections.flatMap(\.rewrites).sorted { ($0.event.time, $0.event.id ?? 0) < ($1.event.time, $1.event.id ?? 0) }
        let lost = sections.flatMap(\.lostWaiting).sorted { $0.time > $1.time }
        let problems = sections.compactMap { section in section.lostScanProblem.map { "\(section.repository): \($0)" } }
        return figures(repository: "all repositories", events: events, rewrites: rewrites, lost: lost,
                       lostProblem: problems.isEmpty ? nil : problems.joined(separator: "; "), now: now)
    }

    /// Updates per UTC day, every day from the first event to the last (days without any included).
    static func timeline(_ events: [AuditEvent]) -> [AuditReport.Day] {
        guard let first = events.first?.time, let last = events.last?.time else { return [] }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var buckets: [Date: (Int, Int, Int)] = [:]
        for event in events {
            let day = calendar.startOfDay(for: event.time)
            var bucket = buckets[day] ?? (0, 0, 0)
            bucket.0 += 1
            if event.kind == .forced { bucket.1 += 1 }
            if event.kind == .delete { bucket.2 += 1 }
            buckets[day] = bucket
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        var days: [AuditReport.Day] = []
        var day = calendar.startOfDay(for: first)
        let end = calendar.startOfDay(for: last)
        while day <= end {
            let bucket = buckets[day] ?? (0, 0, 0)
            days.append(AuditReport.Day(date: formatter.string(from: day), updates: bucket.0, forced: bucket.1, deletions: bucket.2))
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return days
    }
}

/// What became of dropped commits, from one walk of what the refs reach and one of what pins keep.
struct DroppedStates {
    let repository: Repository
    let live: Set<ObjectID>
    let pinned: Set<ObjectID>
    /// The patch ids of the commits each replay added to its ref (its copies), with the recovery and when.
    let replayed: [ObjectID: (id: Int64, time: Date)]

    init(repository: Repository, recoveries: [AuditEvent]) throws {
        self.repository = repository
        let classifier = UpdateClassifier(repository: repository)
        let liveTips = try classifier.remainingTips(excluding: nil)
        live = try repository.commitSet(reachableFrom: liveTips, excluding: [])
        let pins = try repository.references(under: Pins.namespace).compactMap { try repository.peelToCommit($0.target) }
        pinned = try repository.commitSet(reachableFrom: pins, excluding: liveTips)
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
        let rewrites = try rewrittenPatches(of: event, oldCommit: oldCommit)
        return try commits.map { commit in
            var state: AuditReport.DroppedState.State
            var recoveredBy: Int64?
            let patch = try repository.patchID(of: commit.id)
            if live.contains(commit.id) {
                state = recoveries.isEmpty ? .reachable : .recovered
                recoveredBy = recoveries.first?.id
            } else if let patch, let replay = replayed[patch], replay.time >= event.time {
                // `recover --replay` brings work back as copies: the same patch, added by a later recovery
                // (of this update, or of another that dropped the same commits).
                state = .recovered
                recoveredBy = replay.id
            } else if let patch, rewrites.contains(patch) {
                state = .rewritten  // the update itself holds a copy: a rebase or an amend, not lost work
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
