import Foundation
import GitKit
import PGKit

/// A report's queries answered by the central store, by the local log's rules (ReportQueries), for the
/// whole fleet or one server or one repository of it. An event's repository reads `host:path`: ids are
/// each source's own, the host says whose.
struct CentralReportQueries: ReportQueries {
    let connection: Connection
    var host: String?
    var repositoryPath: String?

    private func query(_ filter: EventFilter) -> CentralQuery {
        CentralQuery(filter, host: host, repositoryPath: repositoryPath)
    }

    private static func rewrites(_ filter: EventFilter) -> EventFilter {
        var rewrites = filter
        (rewrites.rewrites, rewrites.statuses, rewrites.limit) = (true, [], nil)
        return rewrites
    }

    /// A filter of period only (a report's) reads `event_day`: the whole days from it, a first or last day
    /// the period starts or ends inside from the events, as the local log's dailyCounts. Any other filter
    /// counts the events themselves.
    func dailyCounts(_ filter: EventFilter) throws -> [EventDay] {
        var unlimited = filter
        unlimited.limit = nil
        guard filter.ref == nil, filter.pusher == nil, filter.side == nil, filter.kinds.isEmpty, !filter.rewrites,
              filter.statuses.isEmpty
        else {
            return try countedEvents(query(unlimited))
        }
        var days = CentralQuery(EventFilter(repository: nil))
        if let host { days.and("d.source_key IN (SELECT key FROM source WHERE host = \(days.parameter(host)))") }
        if let repositoryPath { days.and("d.repository_path = \(days.parameter(repositoryPath))") }
        var partial: [CentralQuery] = []
        if let since = filter.since {
            days.and("d.day > \(days.parameter(EventDay.day(of: since)))::date")
            var first = query(unlimited)
            first.and("e.time < \(first.parameter(Timestamp.iso(EventDay.startOfNextDay(since))))::timestamptz")
            partial.append(first)
        }
        if let until = filter.until {
            days.and("d.day < \(days.parameter(EventDay.day(of: until)))::date")
            if filter.since.map({ EventDay.day(of: $0) != EventDay.day(of: until) }) ?? true {
                var last = unlimited
                last.since = EventDay.startOfDay(until)
                partial.append(query(last))
            }
        }
        let whole = try connection.execute("""
            SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d.kind, d.side, d.status, d.hook, d.bookkeeping, sum(d.count) AS count
            FROM event_day d JOIN source s ON s.key = d.source_key
            \(days.conditions.isEmpty ? "" : "WHERE " + days.conditions.joined(separator: " AND "))
            GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d.count) != 0
            """, days.parameters, operation: "counting the central store's events by day")
        return try Self.days(whole) + partial.flatMap(countedEvents)
    }

    private func countedEvents(_ query: CentralQuery) throws -> [EventDay] {
        let rows = try connection.execute("""
            SELECT to_char(e.time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, e.kind, e.side, e.status, e.hook,
                   \(RefRole.bookkeepingSQL("e.ref")) AS bookkeeping, count(*) AS count
            \(query.fromEvents) GROUP BY 1, 2, 3, 4, 5, 6
            """, query.parameters, operation: "counting the central store's events")
        return try Self.days(rows)
    }

    private static func days(_ rows: Connection.Rows) throws -> [EventDay] {
        try (0..<rows.count).map { index in
            func word<T: RawRepresentable<String>>(_ column: String) throws -> T {
                guard let value = rows[index, column].flatMap(T.init(rawValue:)) else {
                    throw StoredValueError(table: "central event", column: column, value: rows[index, column] ?? "NULL",
                                           expected: "a value this version of Refuge knows")
                }
                return value
            }
            return EventDay(day: rows[index, "day"] ?? "", kind: try word("kind"), side: try word("side"), status: try word("status"),
                            source: try word("hook"), bookkeeping: rows[index, "bookkeeping"] == "t",
                            count: Int(rows[index, "count"] ?? "0") ?? 0)
        }
    }

    func rewriteTotals(_ filter: EventFilter) throws -> AuditStore.RewriteTotals {
        let query = query(Self.rewrites(filter))
        let rows = try connection.execute(Self.rewriteTotalsSQL(query), query.parameters, operation: "counting the central store's rewrites")
        func number(_ column: String) -> Int { Int(rows[0, column] ?? "0") ?? 0 }
        return .init(count: number("count"), forced: number("forced"), deletions: number("deletions"), commitsDropped: number("dropped"))
    }

    /// The statement `rewriteTotals` runs (its plan is checked in a test).
    static func rewriteTotalsSQL(_ query: CentralQuery) -> String {
        """
        SELECT count(*) AS count, count(*) FILTER (WHERE e.kind = 'forced') AS forced,
               count(*) FILTER (WHERE e.kind = 'delete') AS deletions, coalesce(sum(e.dropped), 0) AS dropped
        \(query.fromEvents)
        """
    }

    /// The totals and both rankings from one scan of the rewrites' covering index (GROUPING SETS), not
    /// three: a fleet report asks them of every section. Ranked here as `mostRewritten` ranks them.
    func rewriteSummary(_ filter: EventFilter, limit: Int) throws
        -> (totals: AuditStore.RewriteTotals, refs: [(name: String, count: Int)], pushers: [(name: String, count: Int)])
    {
        let query = query(Self.rewrites(filter))
        let rows = try connection.execute(Self.rewriteSummarySQL(query), query.parameters, operation: "counting the central store's rewrites")
        var totals = AuditStore.RewriteTotals(count: 0, forced: 0, deletions: 0, commitsDropped: 0)
        var refs: [(name: String, count: Int)] = [], pushers: [(name: String, count: Int)] = []
        for index in 0..<rows.count {
            func number(_ column: String) -> Int { Int(rows[index, column] ?? "0") ?? 0 }
            switch (rows[index, "by_ref"], rows[index, "by_pusher"]) {
            case ("1", "1"):  // the grand total: no column grouped
                totals = .init(count: number("count"), forced: number("forced"), deletions: number("deletions"),
                               commitsDropped: number("dropped"))
            case ("0", _): refs.append((rows[index, "ref"] ?? "", number("count")))
            default: pushers.append((rows[index, "pusher"] ?? "", number("count")))
            }
        }
        // Most first; ties by name in byte order, as SQLite orders them (and `COLLATE "C"`).
        func ranked(_ counts: [(name: String, count: Int)]) -> [(name: String, count: Int)] {
            Array(counts.sorted { $0.count != $1.count ? $0.count > $1.count : $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
                .prefix(limit))
        }
        return (totals, ranked(refs), ranked(pushers))
    }

    /// The statement `rewriteSummary` runs (its plan is checked in a test): `by_ref` and `by_pusher` are 0
    /// on the rows grouped by that column, both 1 on the totals' row.
    static func rewriteSummarySQL(_ query: CentralQuery) -> String {
        """
        SELECT GROUPING(e.ref) AS by_ref, GROUPING(coalesce(e.pusher, 'unknown')) AS by_pusher, e.ref,
               coalesce(e.pusher, 'unknown') AS pusher, count(*) AS count, count(*) FILTER (WHERE e.kind = 'forced') AS forced,
               count(*) FILTER (WHERE e.kind = 'delete') AS deletions, coalesce(sum(e.dropped), 0) AS dropped
        \(query.fromEvents)
        GROUP BY GROUPING SETS ((), (e.ref), (coalesce(e.pusher, 'unknown')))
        """
    }

    func newestRewrites(_ filter: EventFilter, limit: Int) throws -> [AuditEvent] {
        try newestRewritesWithSources(filter, limit: limit).map(\.event)
    }

    /// The newest rewrites and the source each came from (its ids are that source's).
    func newestRewritesWithSources(_ filter: EventFilter, limit: Int) throws -> [(event: AuditEvent, source: String)] {
        try newestCentral(query(Self.rewrites(filter)), limit: limit, operation: "reading the central store's rewrites")
    }

    /// What each rewrite dropped and what became of it, as its source last shipped it; nil for a rewrite
    /// whose source sent nothing of it (not among the newest of its repository, or never opened there).
    /// The recoveries (their ids) that undid each rewrite, as `recover` recorded them on its source.
    func recoveries(undoing rewrites: [(event: AuditEvent, source: String)]) throws -> [[Int64]] {
        guard !rewrites.isEmpty else { return [] }
        let sources = "{" + rewrites.map { "\"\($0.source)\"" }.joined(separator: ",") + "}"
        let seqs = "{" + rewrites.map { String($0.event.id ?? 0) }.joined(separator: ",") + "}"
        let rows = try connection.execute("""
            SELECT s.id AS source, e.undoes, e.seq FROM event e JOIN source s ON s.key = e.source_key
                JOIN unnest($1::text[], $2::bigint[]) AS r (source, seq) ON s.id = r.source AND e.undoes = r.seq
            WHERE e.hook = 'recover' AND e.status = 'done' ORDER BY e.seq
            """, [sources, seqs], operation: "reading the recoveries of the rewrites")
        var undone: [String: [Int64]] = [:]
        for index in 0..<rows.count {
            guard let seq = rows[index, "seq"].flatMap({ Int64($0) }) else { continue }
            undone["\(rows[index, "source"] ?? "") \(rows[index, "undoes"] ?? "")", default: []].append(seq)
        }
        return rewrites.map { undone["\($0.source) \($0.event.id ?? 0)"] ?? [] }
    }

    func dropped(by rewrites: [(event: AuditEvent, source: String)]) throws -> [[AuditReport.DroppedState]?] {
        guard !rewrites.isEmpty else { return [] }
        let sources = "{" + rewrites.map { "\"\($0.source)\"" }.joined(separator: ",") + "}"
        let seqs = "{" + rewrites.map { String($0.event.id ?? 0) }.joined(separator: ",") + "}"
        let rows = try connection.execute("""
            SELECT s.id AS source, d.seq, d.commit, d.author_name, d.author_email, (extract(epoch FROM d.author_time) * 1000)::bigint AS author_ms,
                   d.summary, d.state, d.recovered_by
            FROM dropped_commit d JOIN source s ON s.key = d.source_key
                JOIN unnest($1::text[], $2::bigint[]) AS r (source, seq) ON s.id = r.source AND d.seq = r.seq
            ORDER BY s.id, d.seq, d.position
            """, [sources, seqs], operation: "reading what the rewrites dropped")
        var states: [String: [AuditReport.DroppedState]] = [:]
        for index in 0..<rows.count {
            guard let id = rows[index, "commit"].flatMap(ObjectID.init(hex:)),
                  let state = rows[index, "state"].flatMap(AuditReport.DroppedState.State.init(rawValue:)) else { continue }
            let commit = CommitSummary(
                id: id, authorName: rows[index, "author_name"] ?? "", authorEmail: rows[index, "author_email"] ?? "",
                authorTime: Date(timeIntervalSince1970: Double(Int64(rows[index, "author_ms"] ?? "0") ?? 0) / 1000),
                summary: rows[index, "summary"] ?? "")
            states["\(rows[index, "source"] ?? "") \(rows[index, "seq"] ?? "")", default: []].append(
                AuditReport.DroppedState(commit: commit, state: state, recoveredBy: rows[index, "recovered_by"].flatMap { Int64($0) }))
        }
        return rewrites.map { rewrite in
            let key = "\(rewrite.source) \(rewrite.event.id ?? 0)"
            return states[key] ?? ((rewrite.event.dropped ?? 1) == 0 ? [] : nil)
        }
    }

    func mostRewritten(by key: AuditStore.RewriteKey, _ filter: EventFilter, limit: Int) throws -> [(name: String, count: Int)] {
        var query = query(Self.rewrites(filter))
        let name = key == .ref ? "e.ref" : "coalesce(e.pusher, 'unknown')"
        // Ties by name in byte order, as SQLite orders them.
        let rows = try connection.execute("""
            SELECT \(name) AS name, count(*) AS count \(query.fromEvents) GROUP BY 1 ORDER BY 2 DESC, \(name) COLLATE "C" LIMIT \(query.parameter(String(limit)))
            """, query.parameters, operation: "ranking the central store's rewrites")
        return (0..<rows.count).map { (rows[$0, "name"] ?? "", Int(rows[$0, "count"] ?? "0") ?? 0) }
    }

    func listed(_ listing: AuditStore.Listing, _ filter: EventFilter, limit: Int?) throws -> [AuditEvent] {
        var unlimited = filter
        unlimited.limit = nil
        var query = query(unlimited)
        query.and(Self.condition(listing))
        return try newest(query, limit: limit, operation: "reading the central store's listings")
    }

    func count(_ listing: AuditStore.Listing, _ filter: EventFilter) throws -> Int {
        var unlimited = filter
        unlimited.limit = nil
        var query = query(unlimited)
        query.and(Self.condition(listing))
        let rows = try connection.execute("SELECT count(*) AS count \(query.fromEvents)", query.parameters, operation: "counting the central store's listings")
        return Int(rows[0, "count"] ?? "0") ?? 0
    }

    func period(_ filter: EventFilter) throws -> (first: Date?, last: Date?) {
        let query = periodQuery(filter)
        let rows = try connection.execute(Self.periodSQL(query), query.parameters, operation: "reading the central store's period")
        func date(_ column: String) -> Date? { rows[0, column].flatMap { Int64($0) }.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        return (date("first"), date("last"))
    }

    /// The events whose first and last times are the period: `filter`'s, of this server or repository.
    func periodQuery(_ filter: EventFilter) -> CentralQuery {
        var unlimited = filter
        unlimited.limit = nil
        var query = query(unlimited)
        if host != nil || repositoryPath != nil {
            // No index leads with a server or a repository: the daily counts say on which days its first and
            // last events are, and min and max read the time index from there (not from the fleet's first
            // event on). Without daily counts (a store of schema v1 has none for its first events), no bound.
            var days: [String] = []
            if let host { days.append("source_key IN (SELECT key FROM source WHERE host = \(query.parameter(host)))") }
            if let repositoryPath { days.append("repository_path = \(query.parameter(repositoryPath))") }
            let counted = "FROM event_day WHERE " + days.joined(separator: " AND ") + " AND count > 0"
            query.and("e.time >= coalesce((SELECT min(day) \(counted))::timestamp AT TIME ZONE 'UTC', '-infinity')")
            query.and("e.time < coalesce((SELECT max(day) + 1 \(counted))::timestamp AT TIME ZONE 'UTC', 'infinity')")
        }
        return query
    }

    /// The statement `period` runs (its plan is checked in a test).
    static func periodSQL(_ query: CentralQuery) -> String {
        """
        SELECT (extract(epoch FROM min(e.time)) * 1000)::bigint AS first, (extract(epoch FROM max(e.time)) * 1000)::bigint AS last
        \(query.fromEvents)
        """
    }

    /// The listing's condition (AuditStore.Listing), on the event as `e`.
    private static func condition(_ listing: AuditStore.Listing) -> String {
        switch listing {
        case .refusals: "e.status = 'rejected'"
        case .unconfirmedPushes: "e.status = 'attempted' AND e.side = 'client'"
        case .recoveries: "e.hook = 'recover'"
        }
    }

    /// The `limit` newest events of `query` (all of them without), oldest first, their repository as `host:path`.
    private func newest(_ query: CentralQuery, limit: Int?, operation: String) throws -> [AuditEvent] {
        try newestCentral(query, limit: limit, operation: operation).map(\.event)
    }

    private func newestCentral(_ query: CentralQuery, limit: Int?, operation: String) throws -> [(event: AuditEvent, source: String)] {
        var query = query
        let rows = try connection.execute("""
            SELECT \(CentralQuery.eventColumns) \(query.from) ORDER BY e.time DESC, e.source_key DESC, e.seq DESC
            \(limit.map { "LIMIT \(query.parameter(String($0)))" } ?? "")
            """, query.parameters, operation: operation)
        return try (0..<rows.count).reversed().map { index in
            let central = try CentralQuery.event(rows, index)
            var event = central.event
            event.repository = "\(central.host):\(event.repository)"
            return (event, central.source)
        }
    }
}

/// `git refuge report --central`: the fleet's report, with a breakdown per server and per repository
/// (on its server), every figure counted by the local report's rules.
public enum CentralReport {
    public static func build(_ scope: ReportScope, connection: Connection, now: Date = Date(), listingEvents: Bool = false) throws
        -> AuditReport
    {
        try CentralSchema.check(connection)
        var filter = EventFilter(repository: nil)
        (filter.since, filter.until, filter.ref, filter.pusher) = (scope.since, scope.until, scope.ref, scope.pusher)
        var path: String?
        if case .named(let name) = scope.repositories { path = name }
        let fleet = CentralReportQueries(connection: connection, repositoryPath: path)
        var breakdown = fleet
        let groups = try sectionGroups(filter, repositoryPath: path, connection)
        let note = "the central store holds events, not commits: git refuge lost on each server finds its lost chains "
            + "(what the listed rewrites dropped is as each server saw it at its last ship)"
        func section(_ queries: CentralReportQueries, name: String) throws -> AuditReport.Section {
            let figures = try ReportFigures(store: queries, filter: filter, limit: scope.listLimit)
            let listed = try queries.newestRewritesWithSources(filter, limit: scope.listLimit)
            let dropped = try queries.dropped(by: listed), undone = try queries.recoveries(undoing: listed)
            let rewrites = listed.indices.map {
                AuditReport.Rewrite(event: listed[$0].event, dropped: dropped[$0], recoveries: undone[$0])
            }
            return figures.section(repository: name, rewrites: rewrites, lost: [], lostProblem: note)
        }
        var repositories: [AuditReport.Section] = []
        var hosts: [String] = []
        for index in 0..<groups.count {
            let host = groups[index, "host"] ?? "", repository = groups[index, "repository_path"] ?? ""
            if hosts.last != host { hosts.append(host) }
            (breakdown.host, breakdown.repositoryPath) = (host, repository)
            let found = try section(breakdown, name: "\(host):\(repository)")
            if found.eventCount > 0 { repositories.append(found) }
        }
        let servers = try hosts.map { host in
            try section(CentralReportQueries(connection: connection, host: host, repositoryPath: path), name: host)
        }.filter { $0.eventCount > 0 }
        let period = try fleet.period(filter)
        var report = AuditReport(
            generatedAt: now, database: "central store", scope: scope,
            period: AuditReport.Period(since: scope.since, until: scope.until, firstEvent: period.first, lastEvent: period.last),
            total: try section(fleet, name: path ?? "all servers"), repositories: repositories,
            integrity: try integrity(connection),
            events: listingEvents ? try fleet.listedEvents(filter) : [])
        report.servers = servers
        return report
    }

    /// The (host, repository path) pairs a report breaks down into: from the daily counts when the filter
    /// is a period only (the days it touches; a pair without events in the period gets no section), else
    /// from the events.
    private static func sectionGroups(_ filter: EventFilter, repositoryPath: String?, _ connection: Connection) throws -> Connection.Rows {
        guard filter.ref != nil || filter.pusher != nil else {
            var days = CentralQuery(EventFilter(repository: nil))
            if let repositoryPath { days.and("d.repository_path = \(days.parameter(repositoryPath))") }
            if let since = filter.since { days.and("d.day >= \(days.parameter(EventDay.day(of: since)))::date") }
            if let until = filter.until { days.and("d.day <= \(days.parameter(EventDay.day(of: until)))::date") }
            return try connection.execute("""
                SELECT DISTINCT s.host, d.repository_path FROM event_day d JOIN source s ON s.key = d.source_key
                \(days.conditions.isEmpty ? "" : "WHERE " + days.conditions.joined(separator: " AND ")) ORDER BY 1, 2
                """, days.parameters, operation: "reading the central store's repositories")
        }
        let query = CentralQuery(filter, repositoryPath: repositoryPath)
        return try connection.execute("SELECT DISTINCT s.host, e.repository_path \(query.from) ORDER BY 1, 2", query.parameters,
                                      operation: "reading the central store's repositories")
    }

    /// What the last `verify --central` found of each source's chain (it recomputes them; a report reads).
    private static func integrity(_ connection: Connection) throws -> AuditReport.Integrity {
        let rows = try connection.execute("""
            SELECT count(*) AS sources, count(*) FILTER (WHERE chain_problem IS NOT NULL) AS broken,
                   count(*) FILTER (WHERE chain_problem IS NULL AND verified_seq IS NOT NULL AND verified_seq >= last_seq) AS current
            FROM source
            """, operation: "reading the central store's chain state")
        let sources = Int(rows[0, "sources"] ?? "0") ?? 0, broken = Int(rows[0, "broken"] ?? "0") ?? 0
        let current = Int(rows[0, "current"] ?? "0") ?? 0
        if broken > 0 {
            return .init(checked: true, intact: false, detail: "broken: \(broken) of \(sources) source(s) failed git refuge verify --central")
        }
        return .init(checked: current == sources, intact: current == sources ? true : nil,
                     detail: "\(current) of \(sources) source(s) verified intact up to their last ship by git refuge verify --central"
                        + (current == sources ? "" : "; run it to check the others"))
    }
}

extension CentralReportQueries {
    /// Every event of `filter`, oldest first (the CSV's rows).
    func listedEvents(_ filter: EventFilter) throws -> [AuditEvent] {
        var unlimited = filter
        unlimited.limit = nil
        return try newest(query(unlimited), limit: nil, operation: "reading the central store's events")
    }
}
