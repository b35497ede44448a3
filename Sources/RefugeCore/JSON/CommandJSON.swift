import Foundation
import GitKit

/// `status --json`.
public struct StatusJSON: Encodable, Sendable {
    struct Hook: Encodable, Sendable {
        let name: String, path: String, installed: Bool, executable: Bool
        @Nullable var binary: String?
        @Nullable var binaryExists: Bool?
        @Nullable var chained: String?
        enum CodingKeys: String, CodingKey { case name, path, installed, executable, binary, chained, binaryExists = "binary_exists" }
    }

    /// The configuration in effect.
    struct Config: Encodable, Sendable {
        let prePush: String
        let protect: [String]
        let allowForce: [String]
        let databaseSource: String
        enum CodingKeys: String, CodingKey { case prePush = "pre_push", protect, allowForce = "allow_force", databaseSource = "database_source" }
    }

    let repository: String
    let hooksDirectory: String
    /// HookLayout's name; null when it cannot be told (gitolite's rc unreadable, say).
    @Nullable var layout: String?
    let hooks: [Hook]
    let database: String
    let shared: Bool
    let databaseExists: Bool
    @Nullable var events: Int?
    @Nullable var lastEvent: EventJSON?
    @Nullable var problem: String?
    let spoolWaiting: Int
    let healthy: Bool
    /// Why it is not healthy (doctor's first error, with its fix); null when healthy.
    @Nullable var unhealthyBecause: String?
    let config: Config

    enum CodingKeys: String, CodingKey {
        case repository, hooks, layout, database, shared, databaseExists = "database_exists", events, healthy, config
        case unhealthyBecause = "unhealthy_because"
        case lastEvent = "last_event", problem, spoolWaiting = "spool_waiting", hooksDirectory = "hooks_directory"
    }

    public init(_ status: RefugeStatus) {
        (repository, hooksDirectory, layout) = (status.repository, status.hooksDirectory, status.layout?.layout.rawValue)
        hooks = status.hooks.map {
            Hook(name: $0.hook.rawValue, path: $0.path, installed: $0.installed, executable: $0.executable,
                 binary: $0.binary, binaryExists: $0.binaryExists, chained: $0.chained)
        }
        (database, shared, databaseExists) = (status.location.databasePath, status.location.shared, status.databaseExists)
        (events, lastEvent) = (status.eventCount, status.lastEvent.map(EventJSON.init))
        (problem, spoolWaiting) = (status.databaseProblem, status.spoolWaiting)
        (healthy, unhealthyBecause) = (status.healthy, status.problem)
        let configuration = status.configuration
        config = Config(prePush: configuration.prePush.rawValue, protect: configuration.policy.protected,
                        allowForce: configuration.policy.allowForce.sorted(), databaseSource: configuration.databaseSource)
    }
}

/// `doctor --json`.
public struct DoctorJSON: Encodable, Sendable {
    struct Finding: Encodable, Sendable {
        let severity: Doctor.Finding.Severity, area: String, what: String
        @Nullable var fix: String?
    }

    let repository: String
    let healthy: Bool
    let findings: [Finding]

    public init(_ doctor: Doctor) {
        (repository, healthy) = (doctor.repository, doctor.healthy)
        findings = doctor.findings.map { Finding(severity: $0.severity, area: $0.area, what: $0.what, fix: $0.fix) }
    }
}

/// `check --json`.
public struct CheckJSON: Encodable, Sendable {
    struct Commit: Encodable, Sendable {
        let oid: ObjectID, author: String, time: String, summary: String
        let neverIntegrated: Bool
        let verdict: String
        let atRisk: Bool
        @Nullable var copy: ObjectID?
        enum CodingKeys: String, CodingKey {
            case oid, author, time, summary, neverIntegrated = "never_integrated", verdict, atRisk = "at_risk", copy
        }
    }

    struct Moved: Encodable, Sendable { let time: String, how: String, detail: String }

    let branch: String
    let trackingRef: String
    @Nullable var local: ObjectID?
    @Nullable var remote: ObjectID?
    let ahead: Int
    let behind: Int
    let wouldDrop: [Commit]
    let safeToForce: Bool
    @Nullable var lastMoved: Moved?
    let droppedUpstream: [DroppedUpstreamJSON]

    enum CodingKeys: String, CodingKey {
        case branch, trackingRef = "tracking_ref", local, remote, ahead, behind
        case wouldDrop = "would_drop", safeToForce = "safe_to_force", lastMoved = "last_moved"
        case droppedUpstream = "dropped_upstream"
    }

    public init(_ check: ForcePushCheck) {
        (branch, trackingRef, local, remote) = (check.branch, check.trackingRef, check.local, check.remote)
        (ahead, behind, safeToForce) = (check.ahead, check.behind, check.safeToForce)
        lastMoved = check.lastMoved.map { Moved(time: Timestamp.iso($0.time), how: $0.how, detail: $0.detail) }
        droppedUpstream = check.droppedUpstream.map(DroppedUpstreamJSON.init)
        let never = Set(check.neverIntegrated.map(\.id))
        wouldDrop = check.wouldDrop.map { commit in
            let verdict = check.verdicts[commit.id] ?? .neverIntegrated
            var copy: ObjectID?
            if case .rewritten(let id) = verdict { copy = id }
            return Commit(oid: commit.id, author: "\(commit.authorName) <\(commit.authorEmail)>", time: Timestamp.iso(commit.authorTime),
                          summary: commit.summary, neverIntegrated: never.contains(commit.id), verdict: verdict.name,
                          atRisk: verdict.atRisk, copy: copy)
        }
    }
}

/// `backfill --json`: the counts; the parts add up to the entries read.
public struct BackfillJSON: Encodable, Sendable {
    let refs, entries, imported, alreadyRecorded, headDuplicates, branchSwitches, unchanged: Int
    enum CodingKeys: String, CodingKey {
        case refs, entries, imported, alreadyRecorded = "already_recorded", headDuplicates = "head_duplicates"
        case branchSwitches = "branch_switches", unchanged
    }

    public init(_ outcome: Backfill.Outcome) {
        (refs, entries, imported, alreadyRecorded) = (outcome.refs, outcome.entries, outcome.imported, outcome.alreadyRecorded)
        (headDuplicates, branchSwitches, unchanged) = (outcome.headDuplicates, outcome.branchSwitches, outcome.unchanged)
    }
}

/// `identity --json`: the identity, the paths the log recorded for it (this one first), and whether it is new.
public struct IdentityJSON: Encodable, Sendable {
    let identity: String
    let paths: [String]
    let renewed: Bool
    public init(identity: String, paths: [String], renewed: Bool) { (self.identity, self.paths, self.renewed) = (identity, paths, renewed) }
}

/// `ship --json`: what was shipped, and the central store's mark for this log after it.
public struct ShipJSON: Encodable, Sendable {
    let source: String
    let shipped: Int
    let batches: Int
    let lastSeq: Int64
    let lastHash: String
    enum CodingKeys: String, CodingKey { case source, shipped, batches, lastSeq = "last_seq", lastHash = "last_hash" }

    public init(_ outcome: Shipper.Outcome) {
        (source, shipped, batches, lastSeq, lastHash) = (outcome.source, outcome.shipped, outcome.batches, outcome.lastSeq, outcome.lastHash)
    }
}

/// `status --central --json`.
public struct CentralStatusJSON: Encodable, Sendable {
    struct Source: Encodable, Sendable {
        let source, host, databasePath, shipper: String
        let lastSeq: Int64
        @Nullable var lastShippedAt: String?
        @Nullable var verifiedSeq: Int64?
        @Nullable var verifiedAt: String?
        @Nullable var chainProblem: String?

        enum CodingKeys: String, CodingKey {
            case source, host, databasePath = "database_path", shipper, lastSeq = "last_seq", lastShippedAt = "last_shipped_at"
            case verifiedSeq = "verified_seq", verifiedAt = "verified_at", chainProblem = "chain_problem"
        }
    }

    struct Local: Encodable, Sendable {
        let source: String
        let head: Int64
        let unshipped: Int64
    }

    let sources: [Source]
    @Nullable var local: Local?

    public init(_ status: CentralStatus) {
        sources = status.sources.map {
            Source(source: $0.source, host: $0.host, databasePath: $0.databasePath, shipper: $0.shipper, lastSeq: $0.lastSeq,
                   lastShippedAt: $0.lastShippedAt.map(Timestamp.iso), verifiedSeq: $0.verifiedSeq,
                   verifiedAt: $0.verifiedAt.map(Timestamp.iso), chainProblem: $0.chainProblem)
        }
        local = status.local.map { Local(source: $0.source, head: $0.head, unshipped: $0.unshipped) }
    }
}

/// `install`, `uninstall` and `status` with `--repositories ROOT --json`: one entry per repository.
public struct RepositoriesJSON: Encodable, Sendable {
    let root: String
    let repositories: [Entry]

    struct Entry: Encodable, Sendable {
        let path: String
        @Nullable var layout: String?
        /// Installed or removed now (install, uninstall); installed (status).
        let hooks: [String]
        /// status: the server hooks the layout can run that are not installed.
        @Nullable var missing: [String]?
        @Nullable var database: String?
        @Nullable var error: String?
    }

    public init(root: String, outcomes: [ServerRepositories.Outcome]) {
        self.root = root
        repositories = outcomes.map { outcome in
            Entry(path: outcome.path, layout: outcome.layout?.layout.rawValue,
                  hooks: Self.hooks(outcome.changes), missing: nil,
                  database: outcome.database, error: outcome.failure)
        }
    }

    /// Install: the hooks installed; uninstall (whose changes are all removals): the hooks removed.
    private static func hooks(_ changes: [HookInstaller.Change]) -> [String] {
        let installed = changes.filter { !$0.unsupported && !$0.removed }
        return (installed.isEmpty ? changes.filter { $0.removed && !$0.superseded } : installed).map(\.hook.rawValue)
    }

    public init(root: String, coverage: [ServerRepositories.Coverage]) {
        self.root = root
        repositories = coverage.map { entry in
            Entry(path: entry.path, layout: entry.layout?.rawValue,
                  hooks: entry.installed.map(\.rawValue),
                  missing: entry.missing.map(\.rawValue), database: nil, error: entry.problem)
        }
    }
}

/// A forced update of a remote-tracking ref that dropped commits of yours (`check --json`'s
/// `dropped_upstream`).
public struct DroppedUpstreamJSON: Encodable, Sendable {
    struct Commit: Encodable, Sendable {
        let oid: ObjectID, author: String, time: String, summary: String
        @Nullable var pushedAt: String?
        let heldBy: [String]
        enum CodingKeys: String, CodingKey { case oid, author, time, summary, pushedAt = "pushed_at", heldBy = "held_by" }
    }

    let trackingRef: String
    let old: ObjectID
    let new: ObjectID
    @Nullable var time: String?
    let dropped: Int
    let yours: [Commit]
    @Nullable var forcedBy: String?
    @Nullable var forcedAt: String?
    @Nullable var newTipCommitter: String?

    enum CodingKeys: String, CodingKey {
        case trackingRef = "tracking_ref", old, new, time, dropped, yours, forcedBy = "forced_by", forcedAt = "forced_at"
        case newTipCommitter = "new_tip_committer"
    }

    public init(_ work: DroppedUpstreamWork) {
        (trackingRef, old, new, dropped) = (work.trackingRef, work.old, work.new, work.droppedCount)
        time = work.time.map(Timestamp.iso)
        yours = work.commits.map {
            Commit(oid: $0.commit.id, author: "\($0.commit.authorName) <\($0.commit.authorEmail)>",
                   time: Timestamp.iso($0.commit.authorTime), summary: $0.commit.summary, pushedAt: $0.pushedAt.map(Timestamp.iso),
                   heldBy: $0.heldBy)
        }
        forcedBy = work.rewrittenBy?.pusher
        forcedAt = work.rewrittenBy.map { Timestamp.iso($0.time) }
        newTipCommitter = work.newTipCommitter
    }
}
