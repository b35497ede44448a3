import Foundation
import GitKit

/// `report --format json`: schema `refuge-report/1` (Docs/Reports.md). Names only ever get added.
struct ReportJSON: Encodable {
    let report: AuditReport

    static let schema = "refuge-report/1"

    enum Key: String, CodingKey {
        case schema, generatedAt = "generated_at", database, scope, period, integrity, summary, repositories
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(Timestamp.iso(report.generatedAt), forKey: .generatedAt)
        try container.encode(report.database, forKey: .database)
        try container.encode(ScopeJSON(scope: report.scope), forKey: .scope)
        try container.encode(PeriodJSON(period: report.period), forKey: .period)
        try container.encode(IntegrityJSON(integrity: report.integrity), forKey: .integrity)
        try container.encode(SectionJSON(section: report.total), forKey: .summary)
        try container.encode(report.repositories.map { SectionJSON(section: $0) }, forKey: .repositories)
    }

    struct ScopeJSON: Encodable {
        let scope: ReportScope
        enum Key: String, CodingKey { case since, until, ref, pusher, repositories }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(scope.since.map(Timestamp.iso), forKey: .since)
            try container.encode(scope.until.map(Timestamp.iso), forKey: .until)
            try container.encode(scope.ref, forKey: .ref)
            try container.encode(scope.pusher, forKey: .pusher)
            switch scope.repositories {
            case .current: try container.encode("current", forKey: .repositories)
            case .all: try container.encode("all", forKey: .repositories)
            case .named(let name): try container.encode(name, forKey: .repositories)
            }
        }
    }

    struct PeriodJSON: Encodable {
        let period: AuditReport.Period
        enum Key: String, CodingKey { case since, until, firstEvent = "first_event", lastEvent = "last_event" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(period.since.map(Timestamp.iso), forKey: .since)
            try container.encode(period.until.map(Timestamp.iso), forKey: .until)
            try container.encode(period.firstEvent.map(Timestamp.iso), forKey: .firstEvent)
            try container.encode(period.lastEvent.map(Timestamp.iso), forKey: .lastEvent)
        }
    }

    struct IntegrityJSON: Encodable {
        let integrity: AuditReport.Integrity
        enum Key: String, CodingKey { case checked, intact, detail }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(integrity.checked, forKey: .checked)
            try container.encode(integrity.intact, forKey: .intact)
            try container.encode(integrity.detail, forKey: .detail)
        }
    }

    struct SectionJSON: Encodable {
        let section: AuditReport.Section

        enum Key: String, CodingKey {
            case repository, headline, byKind = "by_kind", bySide = "by_side", rewrites
            case mostRewrittenRefs = "most_rewritten_refs", topForcePushers = "top_force_pushers"
            case lostCommits = "lost_commits", lostScanProblem = "lost_scan_problem"
            case unconfirmedPushes = "unconfirmed_pushes", policyRefusals = "policy_refusals", recoveries, timeline
            case listLimit = "list_limit"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(section.repository, forKey: .repository)
            try container.encode(HeadlineJSON(headline: section.headline), forKey: .headline)
            try container.encode(Dictionary(uniqueKeysWithValues: section.byKind.map { ($0.name, $0.count) }), forKey: .byKind)
            try container.encode(Dictionary(uniqueKeysWithValues: section.bySide.map { ($0.name, $0.count) }), forKey: .bySide)
            try container.encode(section.rewrites.map { RewriteJSON(rewrite: $0) }, forKey: .rewrites)
            try container.encode(section.mostRewrittenRefs.map { RankJSON(name: $0.name, count: $0.count, key: "ref") }, forKey: .mostRewrittenRefs)
            try container.encode(section.topForcePushers.map { RankJSON(name: $0.name, count: $0.count, key: "pusher") }, forKey: .topForcePushers)
            try container.encode(section.lostWaiting.map(LostCommitJSON.init), forKey: .lostCommits)
            try container.encode(section.lostScanProblem, forKey: .lostScanProblem)
            try container.encode(section.unconfirmedPushes.map(EventJSON.init), forKey: .unconfirmedPushes)
            try container.encode(section.refusals.map(EventJSON.init), forKey: .policyRefusals)
            try container.encode(section.recoveries.map(EventJSON.init), forKey: .recoveries)
            try container.encode(section.timeline.map(DayJSON.init), forKey: .timeline)
            try container.encode(section.listLimit, forKey: .listLimit)
        }
    }

    struct HeadlineJSON: Encodable {
        let headline: AuditReport.Section.Headline
        enum Key: String, CodingKey {
            case events, updates, rewrites, forced, deletions, commitsDropped = "commits_dropped", stillLost = "still_lost"
            case pinned, rewritten, recovered, reachableAgain = "reachable_again", lostChains = "lost_chains", refusals
            case unconfirmedPushes = "unconfirmed_pushes", recoveries
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(headline.events, forKey: .events)
            try container.encode(headline.updates, forKey: .updates)
            try container.encode(headline.rewrites, forKey: .rewrites)
            try container.encode(headline.forced, forKey: .forced)
            try container.encode(headline.deletions, forKey: .deletions)
            try container.encode(headline.commitsDropped, forKey: .commitsDropped)
            try container.encode(headline.stillLost, forKey: .stillLost)
            try container.encode(headline.pinned, forKey: .pinned)
            try container.encode(headline.rewritten, forKey: .rewritten)
            try container.encode(headline.recovered, forKey: .recovered)
            try container.encode(headline.reachableAgain, forKey: .reachableAgain)
            try container.encode(headline.lostChains, forKey: .lostChains)
            try container.encode(headline.refusals, forKey: .refusals)
            try container.encode(headline.unconfirmed, forKey: .unconfirmedPushes)
            try container.encode(headline.recoveries, forKey: .recoveries)
        }
    }

    struct RewriteJSON: Encodable {
        let rewrite: AuditReport.Rewrite
        enum Key: String, CodingKey { case event, droppedCommits = "dropped_commits", recoveredBy = "recovered_by" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(EventJSON(rewrite.event), forKey: .event)
            try container.encode(rewrite.dropped?.map { DroppedJSON(dropped: $0) }, forKey: .droppedCommits)
            try container.encode(rewrite.recoveries, forKey: .recoveredBy)
        }
    }

    struct DroppedJSON: Encodable {
        let dropped: AuditReport.DroppedState
        enum Key: String, CodingKey { case oid, author, time, summary, state, recoveredBy = "recovered_by" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(dropped.commit.id, forKey: .oid)
            try container.encode("\(dropped.commit.authorName) <\(dropped.commit.authorEmail)>", forKey: .author)
            try container.encode(Timestamp.iso(dropped.commit.authorTime), forKey: .time)
            try container.encode(dropped.commit.summary, forKey: .summary)
            try container.encode(dropped.state, forKey: .state)
            try container.encode(dropped.recoveredBy, forKey: .recoveredBy)
        }
    }

    struct RankJSON: Encodable {
        let name: String, count: Int, key: String
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: DynamicKey.self)
            try container.encode(name, forKey: DynamicKey(key))
            try container.encode(count, forKey: DynamicKey("count"))
        }
    }

    struct DayJSON: Encodable {
        let day: AuditReport.Day
        init(_ day: AuditReport.Day) { self.day = day }
        enum Key: String, CodingKey { case date, updates, forced, deletions }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(day.date, forKey: .date)
            try container.encode(day.updates, forKey: .updates)
            try container.encode(day.forced, forKey: .forced)
            try container.encode(day.deletions, forKey: .deletions)
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

