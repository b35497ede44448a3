import Foundation

/// What the audit log alone says of a filter: counts, rankings and the newest rows of each listing.
struct Figures {
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

    init(store: AuditStore, filter: EventFilter, limit: Int) throws {
        self.limit = limit
        // A recovery writes its intent (`attempted`) and then its outcome: figures count the outcome only.
        let recoveryRows = try store.listed(.recoveries, filter)
        let settled = Set(recoveryRows.filter { $0.status != .attempted }.map(\.batch))
        let superseded = recoveryRows.filter { $0.status == .attempted && settled.contains($0.batch) }
        var counts: [EventDayKey: Int] = [:]
        for day in try store.dailyCounts(filter) { counts[EventDayKey(day), default: 0] += day.count }
        for event in superseded { counts[EventDayKey(event), default: 0] -= 1 }
        days = counts.filter { $0.value != 0 }.map { $0.key.with(count: $0.value) }
        eventCount = days.reduce(0) { $0 + $1.count }
        rewriteTotals = try store.rewriteTotals(filter)
        newestRewrites = limit > 0 ? try store.newestRewrites(filter, limit: limit) : []
        mostRewrittenRefs = try store.mostRewritten(by: .ref, filter, limit: 10).map { AuditReport.Count(name: $0.name, count: $0.count) }
        topForcePushers = try store.mostRewritten(by: .pusher, filter, limit: 10).map { AuditReport.Count(name: $0.name, count: $0.count) }
        unconfirmed = try store.listed(.unconfirmedPushes, filter, limit: limit)
        unconfirmedCount = try store.count(.unconfirmedPushes, filter)
        refusals = try store.listed(.refusals, filter, limit: limit)
        refusalCount = try store.count(.refusals, filter)
        let kept = recoveryRows.filter { !($0.status == .attempted && settled.contains($0.batch)) }
        recoveries = Array(kept.suffix(limit))
        recoveryCount = kept.count
    }

    func section(repository: String, rewrites: [AuditReport.Rewrite], lost: [LostCommit], lostProblem: String?)
        -> AuditReport.Section
    {
        AuditReport.Section(
            repository: repository, eventCount: eventCount,
            byKind: UpdateKind.allCases.map { kind in
                AuditReport.Count(name: kind.rawValue, count: days.filter { $0.kind == kind }.reduce(0) { $0 + $1.count })
            },
            bySide: Side.allCases.map { side in
                AuditReport.Count(name: side.rawValue, count: days.filter { $0.side == side }.reduce(0) { $0 + $1.count })
            },
            rewriteTotals: rewriteTotals, rewrites: rewrites,
            mostRewrittenRefs: mostRewrittenRefs, topForcePushers: topForcePushers,
            lostWaiting: lost, lostScanProblem: lostProblem,
            unconfirmedPushes: unconfirmed, unconfirmedCount: unconfirmedCount,
            refusals: refusals, refusalCount: refusalCount, recoveries: recoveries, recoveryCount: recoveryCount,
            listLimit: limit, timeline: Self.timeline(days))
    }

    /// Updates per UTC day, every day from the first event to the last (days without any included).
    static func timeline(_ days: [EventDay]) -> [AuditReport.Day] {
        var buckets: [String: (updates: Int, forced: Int, deletions: Int)] = [:]
        for day in days {
            var bucket = buckets[day.day] ?? (0, 0, 0)
            bucket.updates += day.count
            if day.kind == .forced { bucket.forced += day.count }
            if day.kind == .delete { bucket.deletions += day.count }
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

/// A daily count's key, to add counts up and take superseded rows out.
private struct EventDayKey: Hashable {
    let day: String, kind: UpdateKind, side: Side, status: EventStatus, hook: HookName
    init(_ row: EventDay) { (day, kind, side, status, hook) = (row.day, row.kind, row.side, row.status, row.hook) }
    init(_ event: AuditEvent) {
        (day, kind, side, status, hook) = (EventDay.day(of: event.time), event.kind, event.side, event.status, event.hook)
    }
    func with(count: Int) -> EventDay { EventDay(day: day, kind: kind, side: side, status: status, hook: hook, count: count) }
}
