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
            let figures = try ReportFigures(store: store, filter: only, limit: scope.listLimit)
            if scope.repositories == .all, figures.eventCount == 0 { continue }
            sections.append(try section(repository: name, figures: figures, scope: scope))
        }
        let total: AuditReport.Section
        if scope.repositories == .all {
            let figures = try ReportFigures(store: store, filter: filter, limit: scope.listLimit)
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

    private func section(repository path: String, figures: ReportFigures, scope: ReportScope) throws
        -> AuditReport.Section
    {
        let mine = try store.paths(sharingIdentityWith: repository.auditIdentity).contains(path)
        let opened: Repository? = mine ? repository : try? Repository.open(at: path)
        var lost: [LostCommit] = []
        var lostProblem: String?
        var explained: [AuditReport.Rewrite] = []
        var droppedWork: [AuditReport.DroppedWork] = []
        if let opened {
            let explainer = try RewriteExplainer(repository: opened, path: path, store: store, rewrites: figures.newestRewrites)
            explained = try figures.newestRewrites.map(explainer.explain)
            let attribution = DroppedWorkAttribution(repository: opened, store: store)
            droppedWork = try explained.flatMap(attribution.attribute)
            let (scan, live) = (explainer.scan, explainer.live)
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
        var section = figures.section(repository: path, rewrites: explained, lost: lost, lostProblem: lostProblem)
        section.droppedWork = droppedWork
        return section
    }

    static func merge(_ sections: [AuditReport.Section], figures: ReportFigures, limit: Int) -> AuditReport.Section {
        let rewrites = sections.flatMap(\.rewrites)
            .sorted { ($0.event.time, $0.event.id ?? 0) < ($1.event.time, $1.event.id ?? 0) }.suffix(limit)
        let lost = sections.flatMap(\.lostWaiting).sorted { $0.time > $1.time }
        let problems = sections.compactMap { section in section.lostScanProblem.map { "\(section.repository): \($0)" } }
        var merged = figures.section(repository: "all repositories", rewrites: Array(rewrites), lost: lost,
                                     lostProblem: problems.isEmpty ? nil : problems.joined(separator: "; "))
        merged.droppedWork = sections.flatMap(\.droppedWork).sorted { ($0.event.time, $0.event.id ?? 0) < ($1.event.time, $1.event.id ?? 0) }
        return merged
    }
}

/// What became of the commits rewrites dropped, from one walk of the live history of their repository:
/// the report's explanation, and what `ship` sends the central store of the newest rewrites.
struct RewriteExplainer {
    let scan: LostCommitScan
    let live: LostCommitScan.LiveHistory
    let states: DroppedStates
    let store: AuditStore

    init(repository opened: Repository, path: String, store: AuditStore, rewrites: [AuditEvent]) throws {
        self.store = store
        // One walk of the live history serves both what became of dropped commits and the lost scan.
        scan = LostCommitScan(repository: opened, store: store)
        live = try scan.live()
        // Copies of what the listed rewrites dropped, by the rule `lost` and `show` use.
        let dropped = try rewrites.compactMap { event -> (commit: ObjectID, leftAt: Date?)? in
            guard let old = event.old, opened.contains(old), let commit = try opened.peelToCommit(old) else { return nil }
            return (commit, event.time)
        }
        let copies = try CommitCopies(
            repository: opened, liveTips: live.tips, since: try CommitCopies.earliestCopyTime(dropped, repository: opened))
        states = try DroppedStates(
            repository: opened, live: live, recoveries: try store.recoveries(in: path).filter { $0.status == .done }, copies: copies)
    }

    func explain(_ event: AuditEvent) throws -> AuditReport.Rewrite {
        let recoveries = try store.recoveries(undoing: event.id ?? -1).filter { $0.status == .done }
        return AuditReport.Rewrite(event: event, dropped: try states.dropped(by: event, recoveries: recoveries),
                                   recoveries: recoveries.compactMap(\.id))
    }
}
