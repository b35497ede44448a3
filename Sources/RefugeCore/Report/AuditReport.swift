import Foundation
import GitKit

/// What a report covers: a period, optionally one ref or one pusher, and one repository or all of a
/// shared database's.
public struct ReportScope: Sendable {
    public enum Repositories: Sendable, Equatable {
        /// The repository the command runs in.
        case current
        /// One repository of a shared database, by its path (its common git directory).
        case named(String)
        /// Every repository in the database, with a per-repository breakdown.
        case all
    }

    public var since: Date?
    public var until: Date?
    public var ref: String?
    public var pusher: String?
    public var repositories: Repositories = .current
    /// At most this many rewrites, refusals, unconfirmed pushes and recoveries listed: the newest (figures
    /// count them all).
    public var listLimit: Int

    public static let defaultListLimit = 100

    public init(since: Date? = nil, until: Date? = nil, ref: String? = nil, pusher: String? = nil,
                repositories: Repositories = .current, listLimit: Int = defaultListLimit) {
        self.since = since
        self.until = until
        self.ref = ref
        self.pusher = pusher
        self.repositories = repositories
        self.listLimit = listLimit
    }
}

/// Everything a report says, computed once and rendered in any format (Docs/Reports.md).
public struct AuditReport: Sendable {
    public struct Period: Sendable {
        /// What was asked (nil: from the first event / to now).
        public let since: Date?
        public let until: Date?
        /// The events actually found.
        public let firstEvent: Date?
        public let lastEvent: Date?
    }

    public struct Count: Sendable, Equatable {
        public let name: String
        public let count: Int
    }

    /// A commit a forced update or deletion dropped, and what became of it.
    public struct DroppedState: Sendable {
        public enum State: String, Sendable, Codable {
            /// No ref reaches it and no pin keeps it.
            case lost
            /// Only Refuge's pins keep it.
            case pinned
            /// A ref reaches it again (someone merged, re-pushed or branched it).
            case reachable
            /// A recovery brought it back: the commit itself, or (a replay) a copy with the same patch.
            case recovered
            /// The update itself holds a copy with the same patch (a rebase or an amend): not lost work.
            case rewritten
        }

        public let commit: CommitSummary
        public let state: State
        /// The recovery (event id) that brought it back, when `recovered`.
        public let recoveredBy: Int64?
    }

    /// A forced update or deletion, with its dropped commits.
    public struct Rewrite: Sendable {
        public let event: AuditEvent
        /// nil when the repository does not have the old commits.
        public let dropped: [DroppedState]?
        /// The recoveries that undid it.
        public let recoveries: [Int64]
    }

    public struct Day: Sendable, Equatable {
        /// `2026-11-22` (UTC).
        public let date: String
        public let updates: Int
        public let forced: Int
        public let deletions: Int
    }

    public struct Integrity: Sendable {
        public let checked: Bool
        public let intact: Bool?
        public let detail: String
    }

    /// Figures for one repository (the report's own when it covers one).
    public struct Section: Sendable {
        public let repository: String
        /// Every event in scope: what `git refuge log` lists for the same filters.
        public let eventCount: Int
        /// Of those, the ones that moved a ref (not refusals, unconfirmed push attempts or recovery intents).
        public let updateCount: Int
        /// Updates by what they did: create, fast-forward, forced, delete, recovery, bookkeeping (they add up
        /// to `updateCount`).
        public let byKind: [Count]
        public let bySide: [Count]
        public let rewriteTotals: AuditStore.RewriteTotals
        /// The newest rewrites (at most `listLimit`), oldest first, each with its dropped commits' state.
        public let rewrites: [Rewrite]
        public let mostRewrittenRefs: [Count]
        public let topForcePushers: [Count]
        public let lostWaiting: [LostCommit]
        /// nil when the repository could not be opened (the lost scan needs it).
        public let lostScanProblem: String?
        /// The newest of each (at most `listLimit`), oldest first, and how many there are.
        public let unconfirmedPushes: [AuditEvent]
        public let unconfirmedCount: Int
        public let refusals: [AuditEvent]
        public let refusalCount: Int
        public let recoveries: [AuditEvent]
        public let recoveryCount: Int
        public let listLimit: Int
        public let timeline: [Day]
        /// Whose pushed commits the listed rewrites on the server dropped (DroppedWorkAttribution), oldest
        /// first; empty where the repository could not be opened, and in a central report (the fleet's rows
        /// carry no history to walk).
        public var droppedWork: [DroppedWork] = []
    }

    public let generatedAt: Date
    public let database: String
    public let scope: ReportScope
    public let period: Period
    /// The whole report's figures (all repositories together when it covers several).
    public let total: Section
    /// One section per repository when the report covers several; empty otherwise.
    public let repositories: [Section]
    public let integrity: Integrity
    /// Every event in scope, oldest first (the CSV's rows): only when the builder was asked to list them.
    public let events: [AuditEvent]
    /// A central report's per-server breakdown, one section per host (empty for a local log's report).
    public var servers: [Section] = []
}

extension AuditReport.Section {
    /// The figures a reader wants first.
    public struct Headline: Sendable {
        /// Every event in scope, as `log` lists them.
        public let events: Int
        public let updates: Int
        public let rewrites: Int
        public let forced: Int
        public let deletions: Int
        /// Commits the rewrites dropped, as counted when they happened (unknown ones left out).
        public let commitsDropped: Int
        public let stillLost: Int
        public let pinned: Int
        public let rewritten: Int
        public let recovered: Int
        public let reachableAgain: Int
        public let lostChains: Int
        public let refusals: Int
        public let unconfirmed: Int
        public let recoveries: Int
    }

    public var headline: Headline {
        let states = rewrites.flatMap { $0.dropped ?? [] }.map(\.state)
        return Headline(
            events: eventCount, updates: updateCount, rewrites: rewriteTotals.count, forced: rewriteTotals.forced,
            deletions: rewriteTotals.deletions, commitsDropped: rewriteTotals.commitsDropped,
            stillLost: states.filter { $0 == .lost }.count, pinned: states.filter { $0 == .pinned }.count,
            rewritten: states.filter { $0 == .rewritten }.count,
            recovered: states.filter { $0 == .recovered }.count, reachableAgain: states.filter { $0 == .reachable }.count,
            lostChains: lostWaiting.count, refusals: refusalCount, unconfirmed: unconfirmedCount,
            recoveries: recoveryCount)
    }
}

// The JSON report prints these as they are (ReportJSON); synthesized here, where they are declared.
extension AuditReport.Section.Headline: Encodable {
    enum CodingKeys: String, CodingKey {
        case events, updates, rewrites, forced, deletions, commitsDropped = "commits_dropped", stillLost = "still_lost"
        case pinned, rewritten, recovered, reachableAgain = "reachable_again", lostChains = "lost_chains", refusals
        case unconfirmed = "unconfirmed_pushes", recoveries
    }
}

extension AuditReport.Day: Encodable {}
