import Foundation
import GitKit

/// `report --format json`: schema `refuge-report/1` (Docs/Reports.md). Names only ever get added.
struct ReportJSON: Encodable, Sendable {
    static let schema = "refuge-report/1"

    let schema = Self.schema
    let generatedAt: String
    let database: String
    let scope: Scope
    let period: Period
    let integrity: Integrity
    let summary: Section
    let repositories: [Section]
    /// A central report's per-server breakdown (`report --central`); absent from a local log's report.
    let servers: [Section]?

    enum CodingKeys: String, CodingKey {
        case schema, generatedAt = "generated_at", database, scope, period, integrity, summary, repositories, servers
    }

    init(report: AuditReport) {
        (generatedAt, database) = (Timestamp.iso(report.generatedAt), report.database)
        (scope, period, integrity) = (Scope(report.scope), Period(report.period), Integrity(report.integrity))
        (summary, repositories) = (Section(report.total), report.repositories.map(Section.init))
        servers = report.servers.isEmpty ? nil : report.servers.map(Section.init)
    }

    struct Scope: Encodable, Sendable {
        @Nullable var since: String?
        @Nullable var until: String?
        @Nullable var ref: String?
        @Nullable var pusher: String?
        /// `current`, `all`, or the repository named.
        let repositories: String

        init(_ scope: ReportScope) {
            (since, until, ref, pusher) = (scope.since.map(Timestamp.iso), scope.until.map(Timestamp.iso), scope.ref, scope.pusher)
            switch scope.repositories {
            case .current: repositories = "current"
            case .all: repositories = "all"
            case .named(let name): repositories = name
            }
        }
    }

    struct Period: Encodable, Sendable {
        @Nullable var since: String?
        @Nullable var until: String?
        @Nullable var firstEvent: String?
        @Nullable var lastEvent: String?
        enum CodingKeys: String, CodingKey { case since, until, firstEvent = "first_event", lastEvent = "last_event" }

        init(_ period: AuditReport.Period) {
            (since, until) = (period.since.map(Timestamp.iso), period.until.map(Timestamp.iso))
            (firstEvent, lastEvent) = (period.firstEvent.map(Timestamp.iso), period.lastEvent.map(Timestamp.iso))
        }
    }

    struct Integrity: Encodable, Sendable {
        let checked: Bool
        @Nullable var intact: Bool?
        let detail: String
        init(_ integrity: AuditReport.Integrity) { (checked, intact, detail) = (integrity.checked, integrity.intact, integrity.detail) }
    }

    struct Section: Encodable, Sendable {
        let repository: String
        let headline: AuditReport.Section.Headline
        let byKind: [String: Int]
        let bySide: [String: Int]
        let rewrites: [Rewrite]
        let mostRewrittenRefs: [Rank]
        let topForcePushers: [Rank]
        let lostCommits: [LostCommitJSON]
        @Nullable var lostScanProblem: String?
        let unconfirmedPushes: [EventJSON]
        let policyRefusals: [EventJSON]
        let recoveries: [EventJSON]
        let timeline: [AuditReport.Day]
        let listLimit: Int
        let workDroppedFromPushers: [DroppedWork]

        enum CodingKeys: String, CodingKey {
            case repository, headline, byKind = "by_kind", bySide = "by_side", rewrites
            case mostRewrittenRefs = "most_rewritten_refs", topForcePushers = "top_force_pushers"
            case lostCommits = "lost_commits", lostScanProblem = "lost_scan_problem"
            case unconfirmedPushes = "unconfirmed_pushes", policyRefusals = "policy_refusals", recoveries, timeline
            case listLimit = "list_limit", workDroppedFromPushers = "work_dropped_from_pushers"
        }

        init(_ section: AuditReport.Section) {
            (repository, headline) = (section.repository, section.headline)
            byKind = Dictionary(uniqueKeysWithValues: section.byKind.map { ($0.name, $0.count) })
            bySide = Dictionary(uniqueKeysWithValues: section.bySide.map { ($0.name, $0.count) })
            rewrites = section.rewrites.map(Rewrite.init)
            mostRewrittenRefs = section.mostRewrittenRefs.map { Rank(name: $0.name, count: $0.count, key: "ref") }
            topForcePushers = section.topForcePushers.map { Rank(name: $0.name, count: $0.count, key: "pusher") }
            (lostCommits, lostScanProblem) = (section.lostWaiting.map(LostCommitJSON.init), section.lostScanProblem)
            unconfirmedPushes = section.unconfirmedPushes.map(EventJSON.init)
            policyRefusals = section.refusals.map(EventJSON.init)
            recoveries = section.recoveries.map(EventJSON.init)
            (timeline, listLimit) = (section.timeline, section.listLimit)
            workDroppedFromPushers = section.droppedWork.map(DroppedWork.init)
        }
    }

    /// One forced update and one person whose pushed commits it dropped.
    struct DroppedWork: Encodable, Sendable {
        let event: Int64
        let time: String
        let ref: String
        @Nullable var forcedBy: String?
        let pushedBy: String
        let commits: [Dropped]
        let summary: String

        enum CodingKeys: String, CodingKey {
            case event, time, ref, forcedBy = "forced_by", pushedBy = "pushed_by", commits, summary
        }

        init(_ work: AuditReport.DroppedWork) {
            (event, time, ref) = (work.event.id ?? 0, Timestamp.iso(work.event.time), work.event.ref)
            (forcedBy, pushedBy, commits, summary) = (work.event.pusher, work.pushedBy, work.commits.map(Dropped.init), work.sentence)
        }
    }

    struct Rewrite: Encodable, Sendable {
        let event: EventJSON
        @Nullable var droppedCommits: [Dropped]?
        let recoveredBy: [Int64]
        enum CodingKeys: String, CodingKey { case event, droppedCommits = "dropped_commits", recoveredBy = "recovered_by" }

        init(_ rewrite: AuditReport.Rewrite) {
            (event, droppedCommits, recoveredBy) = (EventJSON(rewrite.event), rewrite.dropped?.map(Dropped.init), rewrite.recoveries)
        }
    }

    struct Dropped: Encodable, Sendable {
        let oid: ObjectID
        let author: String
        let time: String
        let summary: String
        let state: AuditReport.DroppedState.State
        @Nullable var recoveredBy: Int64?
        enum CodingKeys: String, CodingKey { case oid, author, time, summary, state, recoveredBy = "recovered_by" }

        init(_ dropped: AuditReport.DroppedState) {
            let commit = dropped.commit
            (oid, author) = (commit.id, "\(commit.authorName) <\(commit.authorEmail)>")
            (time, summary, state, recoveredBy) = (Timestamp.iso(commit.authorTime), commit.summary, dropped.state, dropped.recoveredBy)
        }
    }

    /// `{"ref": name, "count": n}` or `{"pusher": name, "count": n}`.
    struct Rank: Encodable, Sendable {
        let name: String, count: Int, key: String
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(name, forKey: DynamicKey(key))
            try container.encode(count, forKey: DynamicKey("count"))
        }
    }

    struct DynamicKey: CodingKey {
        let stringValue: String
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
