import Foundation
import PGKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

/// The fleet's queries read through their indexes and only the partitions they need: PostgreSQL's own
/// plans (EXPLAIN) over a real central store of 200,000 events in fifteen monthly partitions.
@Suite("Central store query plans")
struct CentralQueryPlanTests {
    /// The relations and indexes a plan reads, and how it reads each event partition (its node types).
    func scanned(_ sql: String, _ parameters: [String?], _ connection: Connection) throws
        -> (relations: Set<String>, indexes: Set<String>, eventScans: [String])
    {
        let rows = try connection.execute("EXPLAIN (FORMAT JSON) " + sql, parameters, operation: "explaining")
        let plan = try JSONSerialization.jsonObject(with: Data((rows.values.first?.first ?? "[]")?.utf8 ?? "[]".utf8))
        var relations = Set<String>(), indexes = Set<String>(), eventScans: [String] = []
        func walk(_ node: Any) {
            if let dictionary = node as? [String: Any] {
                if let name = dictionary["Relation Name"] as? String {
                    relations.insert(name)
                    if name.hasPrefix("event_") { eventScans.append(dictionary["Node Type"] as? String ?? "?") }
                }
                if let name = dictionary["Index Name"] as? String { indexes.insert(name) }
                dictionary.values.forEach(walk)
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(plan)
        // The join with `source` (its host) reads that small table by its key.
        return (relations.subtracting(["source"]), indexes.subtracting(["source_pkey", "source_key_key"]), eventScans)
    }

    @Test("log --central --forced --since 7.days.ago reads the rewrites' partial index of the last partitions; --ref reads the ref index; a repository's period starts at its daily counts; a report's rewrite summary is one scan")
    func plans() throws {
        let postgres = try PostgresServer()
        let connection = try Connection(try postgres.createDatabase("fleet"))
        try CentralSchema.migrate(connection)
        try connection.executeScript("""
            INSERT INTO source (id, host, database_path, last_hash) VALUES ('a', 'git1', '/srv/audit.db', 'h');
            SELECT refuge_ensure_partition(now() - (m || ' months')::interval) FROM generate_series(0, 14) m;
            INSERT INTO event (source_key, seq, time, side, hook, repository_path, ref, kind, status, batch, hash)
            SELECT (SELECT key FROM source WHERE id = 'a'), g, now() - (g * 3 || ' minutes')::interval, 'server', 'post-receive', '/srv/r.git',
                   'refs/heads/b' || (g % 50), CASE WHEN g % 100 = 0 THEN 'forced' ELSE 'fast-forward' END, 'accepted',
                   gen_random_uuid(), sha256(g::text::bytea)
            FROM generate_series(1, 200000) g;
            ANALYZE event;
            """, operation: "filling the store")
        let partitions = try connection.execute("SELECT count(*) AS n FROM pg_inherits WHERE inhparent = 'event'::regclass", operation: "counting")
        #expect(Int(partitions[0, "n"] ?? "0") ?? 0 >= 14)

        var forced = EventFilter(repository: nil)
        forced.rewrites = true
        forced.since = Date().addingTimeInterval(-7 * 86_400)
        let (sql, parameters) = CentralLog.query(forced)
        let plan = try scanned(sql, parameters, connection)
        #expect(plan.relations.count <= 2 && plan.relations.allSatisfy { $0.hasPrefix("event_") }, "\(plan)")
        #expect(!plan.indexes.isEmpty, "\(plan)")
        for index in plan.indexes {
            let definition = try connection.execute("SELECT indexdef FROM pg_indexes WHERE indexname = $1", [index], operation: "reading")
            let text = definition[0, "indexdef"] ?? ""
            #expect(text.contains("(\"time\") INCLUDE") && text.contains("WHERE (kind = ANY"), "\(index): \(definition.values)")
        }

        var ref = EventFilter(repository: nil)
        ref.ref = "refs/heads/b7"
        let (refSQL, refParameters) = CentralLog.query(ref)
        let refPlan = try scanned(refSQL, refParameters, connection)
        for index in refPlan.indexes {
            let definition = try connection.execute("SELECT indexdef FROM pg_indexes WHERE indexname = $1", [index], operation: "reading")
            #expect(definition[0, "indexdef"]?.contains("(ref, \"time\")") == true, "\(index): \(definition.values)")
        }
        #expect(!refPlan.indexes.isEmpty, "\(refPlan)")

        // A report's rewrite counts, of the fleet and of a server, read the rewrites' covering indexes alone
        // (an index-only scan once VACUUM has marked the pages visible, as autovacuum does for new rows).
        try connection.execute("VACUUM ANALYZE event", operation: "vacuuming")
        for host in [nil, "git1"] {
            var rewrites = EventFilter(repository: nil)
            rewrites.rewrites = true
            let query = CentralQuery(rewrites, host: host)
            for sql in [CentralReportQueries.rewriteTotalsSQL(query), CentralReportQueries.rewriteSummarySQL(query)] {
                let scans = try scanned(sql, query.parameters, connection).eventScans
                #expect(!scans.isEmpty && scans.allSatisfy { $0 == "Index Only Scan" }, "host \(host ?? "none"): \(scans)")
            }
        }
        #expect(try CentralReportQueries(connection: connection).rewriteTotals(EventFilter(repository: nil)).forced == 2_000)

        // The period of one repository (no index leads with it) starts from the days its daily counts name:
        // a repository of the last week only is not looked for among the fleet's older events.
        try connection.executeScript("""
            INSERT INTO event (source_key, seq, time, side, hook, repository_path, ref, kind, status, batch, hash)
            SELECT (SELECT key FROM source WHERE id = 'a'), 200000 + g, now() - interval '7 days' + (g * 5 || ' minutes')::interval,
                   'server', 'post-receive', '/srv/new.git', 'refs/heads/main', 'fast-forward', 'accepted', gen_random_uuid(),
                   sha256(g::text::bytea)
            FROM generate_series(1, 1000) g;
            INSERT INTO event_day (source_key, repository_path, day, kind, side, status, hook, bookkeeping, count)
            SELECT (SELECT key FROM source WHERE id = 'a'), repository_path, (time AT TIME ZONE 'UTC')::date, kind, side, status, hook, false, count(*)
            FROM event GROUP BY 1, 2, 3, 4, 5, 6, 7;
            ANALYZE event;
            """, operation: "adding a repository")
        for repository in ["/srv/new.git", "/srv/r.git"] {
            let queries = CentralReportQueries(connection: connection, repositoryPath: repository)
            let expected = try connection.execute("""
                SELECT (extract(epoch FROM min(time)) * 1000)::bigint AS first, (extract(epoch FROM max(time)) * 1000)::bigint AS last
                FROM event WHERE repository_path = $1
                """, [repository], operation: "reading the period")
            let period = try queries.period(EventFilter(repository: nil))
            #expect(period.first.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } == expected[0, "first"], "\(repository)")
            #expect(period.last.map { String(Int64(($0.timeIntervalSince1970 * 1000).rounded())) } == expected[0, "last"], "\(repository)")
        }
        let newQuery = CentralReportQueries(connection: connection, repositoryPath: "/srv/new.git").periodQuery(EventFilter(repository: nil))
        let analysed = try connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + CentralReportQueries.periodSQL(newQuery), newQuery.parameters,
                                              operation: "explaining")
        let removed = (analysed.values.first?.first ?? "").map { json in
            json.components(separatedBy: "\"Rows Removed by Filter\": ").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }.reduce(0, +)
        } ?? -1
        #expect(removed >= 0 && removed < 5_000, "rows read and passed over: \(removed)")

        // A report's one-scan summary of the rewrites says what the three queries say, ties and unknown
        // pushers included, for the fleet, a server and a repository.
        try connection.executeScript("""
            INSERT INTO event (source_key, seq, time, side, hook, repository_path, ref, kind, status, batch, hash, pusher, dropped)
            SELECT (SELECT key FROM source WHERE id = 'a'), 300000 + g, now() - (g || ' hours')::interval, 'server', 'post-receive',
                   '/srv/r.git', (ARRAY['refs/heads/a', 'refs/heads/B', 'refs/heads/é', 'refs/heads/b'])[g % 4 + 1],
                   CASE WHEN g % 3 = 0 THEN 'delete' ELSE 'forced' END, 'accepted', gen_random_uuid(), sha256(g::text::bytea),
                   (ARRAY['alice', 'bob', 'Bob', NULL, 'é'])[g % 5 + 1], g % 7
            FROM generate_series(1, 43) g;
            """, operation: "adding rewrites")
        for (host, repository) in [(nil, nil), ("git1", nil), ("git1", "/srv/r.git"), ("git1", "/srv/new.git")] as [(String?, String?)] {
            let queries = CentralReportQueries(connection: connection, host: host, repositoryPath: repository)
            let filter = EventFilter(repository: nil)
            for limit in [3, 10] {
                let summary = try queries.rewriteSummary(filter, limit: limit)
                #expect(summary.totals == (try queries.rewriteTotals(filter)), "\(host ?? "-") \(repository ?? "-")")
                #expect(summary.refs.map { "\($0.name) \($0.count)" } == (try queries.mostRewritten(by: .ref, filter, limit: limit)).map { "\($0.name) \($0.count)" })
                #expect(summary.pushers.map { "\($0.name) \($0.count)" }
                    == (try queries.mostRewritten(by: .pusher, filter, limit: limit)).map { "\($0.name) \($0.count)" })
            }
        }
    }
}
