import Foundation

/// The queries a report's figures come from: the local log (AuditStore) answers them with SQLite, the
/// central store (CentralReportQueries) with PostgreSQL, by the same rules.
protocol ReportQueries {
    func dailyCounts(_ filter: EventFilter) throws -> [EventDay]
    func rewriteTotals(_ filter: EventFilter) throws -> AuditStore.RewriteTotals
    func newestRewrites(_ filter: EventFilter, limit: Int) throws -> [AuditEvent]
    func mostRewritten(by key: AuditStore.RewriteKey, _ filter: EventFilter, limit: Int) throws -> [(name: String, count: Int)]
    func listed(_ listing: AuditStore.Listing, _ filter: EventFilter, limit: Int?) throws -> [AuditEvent]
    func count(_ listing: AuditStore.Listing, _ filter: EventFilter) throws -> Int
    /// The rewrites' totals and their `limit` most rewritten refs and top pushers: the three queries
    /// above, unless a store answers them at once (the central store, in one scan of the rewrites).
    func rewriteSummary(_ filter: EventFilter, limit: Int) throws
        -> (totals: AuditStore.RewriteTotals, refs: [(name: String, count: Int)], pushers: [(name: String, count: Int)])
}

extension ReportQueries {
    func rewriteSummary(_ filter: EventFilter, limit: Int) throws
        -> (totals: AuditStore.RewriteTotals, refs: [(name: String, count: Int)], pushers: [(name: String, count: Int)])
    {
        (try rewriteTotals(filter), try mostRewritten(by: .ref, filter, limit: limit), try mostRewritten(by: .pusher, filter, limit: limit))
    }
}

extension AuditStore: ReportQueries {}

/// What the audit log alone says of a filter: counts, rankings and the newest rows of each listing.
struct ReportFigures {
    let eventCount: Int
    let days: [EventDay]
    let rewriteTotals: AuditStore.RewriteTotals
    let newestRewrites: [AuditEvent]
    let mostRewrittenRefs: [AuditReport.Count]
    let topForcePushers: [AuditReport.Count]
    let unconfirmed: [AuditEvent]
    let unconfirmedCount: Int
    let refusals: [AuditEvent]
    let refusalCount: Int
    let recoveries: [AuditEvent]
    let recoveryCount: Int
    let limit: Int

    init(store: any ReportQueries, filter: EventFilter, limit: Int) throws {
        self.limit = limit
        days = try store.dailyCounts(filter)
        eventCount = days.reduce(0) { $0 + $1.count }
        let summary = try store.rewriteSummary(filter, limit: 10)
        rewriteTotals = summary.totals
        newestRewrites = limit > 0 ? try store.newestRewrites(filter, limit: limit) : []
        mostRewrittenRefs = summary.refs.map { AuditReport.Count(name: $0.name, count: $0.count) }
        topForcePushers = summary.pushers.map { AuditReport.Count(name: $0.name, count: $0.count) }
        // The daily counts are of the same events: a listing they hold none of is not asked for (a fleet
        // report has three listings in each of its sections, most of them empty).
        let days = days
        func counted(_ listing: AuditStore.Listing) -> Bool { days.contains { $0.count > 0 && listing.includes($0) } }
        unconfirmed = counted(.unconfirmedPushes) ? try store.listed(.unconfirmedPushes, filter, limit: limit) : []
        unconfirmedCount = counted(.unconfirmedPushes) ? try store.count(.unconfirmedPushes, filter) : 0
        refusals = counted(.refusals) ? try store.listed(.refusals, filter, limit: limit) : []
        refusalCount = counted(.refusals) ? try store.count(.refusals, filter) : 0
        // A recovery writes its intent (`attempted`) and then its outcome: the listing shows the outcome; an
        // intent without one (the recovery failed) stays listed.
        let recoveryRows = counted(.recoveries) ? try store.listed(.recoveries, filter, limit: nil) : []
        let settled = Set(recoveryRows.filter { $0.status != .attempted }.map(\.batch))
        let kept = recoveryRows.filter { !($0.status == .attempted && settled.contains($0.batch)) }
        recoveries = Array(kept.suffix(limit))
        recoveryCount = kept.count
    }

    /// What a report counts a day's row of events as: one rule for the kind table, the side table, the
    /// timeline and the headline (Docs/Reports.md). Only events that happened are updates; a refusal, an
    /// unconfirmed push attempt and a recovery's intent are events of the log but not updates.
    enum Category: String, CaseIterable {
        case create, fastForward = "fast-forward", forced, delete
        /// Refuge's own recoveries (`recover`), listed apart from the rewrites they undo.
        case recovery
        /// git's bookkeeping (RefRole): HEAD's detached steps, the stash.
        case bookkeeping

        init?(_ day: EventDay) {
            guard day.status == .done || day.status == .accepted || day.status == .confirmed else { return nil }
            if day.source == .recover {
                self = .recovery
            } else if day.bookkeeping {
                self = .bookkeeping
            } else {
                switch day.kind {
                case .create: self = .create
                case .fastForward: self = .fastForward
                case .forced: self = .forced
                case .delete: self = .delete
                }
            }
        }
    }

    /// Events that moved a ref (`Category` is not nil for them).
    var updateCount: Int { days.filter { Category($0) != nil }.reduce(0) { $0 + $1.count } }

    func section(repository: String, rewrites: [AuditReport.Rewrite], lost: [LostCommit], lostProblem: String?)
        -> AuditReport.Section
    {
        AuditReport.Section(
            repository: repository, eventCount: eventCount, updateCount: updateCount,
            byKind: Category.allCases.map { category in
                AuditReport.Count(name: category.rawValue, count: days.filter { Category($0) == category }.reduce(0) { $0 + $1.count })
            },
            bySide: Side.allCases.map { side in
                AuditReport.Count(
                    name: side.rawValue, count: days.filter { $0.side == side && Category($0) != nil }.reduce(0) { $0 + $1.count })
            },
            rewriteTotals: rewriteTotals, rewrites: rewrites,
            mostRewrittenRefs: mostRewrittenRefs, topForcePushers: topForcePushers,
            lostWaiting: lost, lostScanProblem: lostProblem,
            unconfirmedPushes: unconfirmed, unconfirmedCount: unconfirmedCount,
            refusals: refusals, refusalCount: refusalCount, recoveries: recoveries, recoveryCount: recoveryCount,
            listLimit: limit, timeline: Self.timeline(days))
    }

    /// Updates per UTC day, every day from the first event to the last (days without any included), counted
    /// as `Category` counts them.
    static func timeline(_ days: [EventDay]) -> [AuditReport.Day] {
        var buckets: [String: (updates: Int, forced: Int, deletions: Int)] = [:]
        for day in days {
            var bucket = buckets[day.day] ?? (0, 0, 0)
            guard let category = Category(day) else {
                buckets[day.day] = bucket  // the day still has events: it stays on the timeline
                continue
            }
            bucket.updates += day.count
            if category == .forced { bucket.forced += day.count }
            if category == .delete { bucket.deletions += day.count }
            buckets[day.day] = bucket
        }
        // The days as event_day names them, walked with its UTC calendar (EventDay), midnight to midnight.
        func midnight(_ day: String?) -> Date? {
            day.flatMap { EventStorage.milliseconds(storedText: "\($0) 00:00:00.000") }.map(EventStorage.date(milliseconds:))
        }
        guard let first = midnight(buckets.keys.min()), let last = midnight(buckets.keys.max()) else { return [] }
        var result: [AuditReport.Day] = []
        var day = first
        while day <= last {
            let name = EventDay.day(of: day)
            let bucket = buckets[name] ?? (0, 0, 0)
            result.append(AuditReport.Day(date: name, updates: bucket.updates, forced: bucket.forced, deletions: bucket.deletions))
            day = EventDay.startOfNextDay(day)
        }
        return result
    }
}
