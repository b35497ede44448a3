import Foundation
import GRDB
import GitKit
import Testing
@testable import RefugeCore

@Suite("Audit store records")
struct AuditStoreTests {
    func store() throws -> (AuditStore, String) {
        let directory = FileManager.default.temporaryDirectory.path + "/refuge-store-\(UUID().uuidString.prefix(8))"
        let location = AuditLocation(databasePath: "\(directory)/audit.db", shared: false, spoolDirectory: "\(directory)/spool")
        return (try AuditStore(location: location), directory)
    }

    @Test("every column reads back as written (ids in camel case included)")
    func roundTrip() throws {
        let (store, directory) = try store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let old = ObjectID(hex: String(repeating: "a", count: 40))!, new = ObjectID(hex: String(repeating: "b", count: 40))!
        let event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000), side: .server, hook: .postReceive, repository: "/srv/r.git",
            update: RefUpdate(ref: "refs/heads/main", old: old, new: new)!, kind: .forced, dropped: 2, status: .accepted,
            batch: "b1", pusher: "alice", remote: "origin", url: "https://example.com/r.git", localRef: "refs/heads/x",
            pushOptions: ["ci.skip"], processID: 4242, reason: "why", undoes: nil)
        let saved = try store.append([event])
        let id = try #require(saved.first?.id)
        let read = try #require(try store.event(id: id))
        #expect(read == saved.first)
        #expect(read.processID == 4242 && read.pushOptions == ["ci.skip"] && read.localRef == "refs/heads/x")
        let pin = try store.recordPin(PinRecord(
            repository: "/srv/r.git", name: "refs/refuge/kept/\(old.hex)", target: old, sourceRef: "refs/heads/main",
            eventID: read.id, reason: "forced", createdAt: Date(timeIntervalSince1970: 1_800_000_001)))
        let live = try store.livePins(repository: "/srv/r.git")
        #expect(live.count == 1 && live.first?.eventID == read.id && live.first?.sourceRef == "refs/heads/main")
        #expect(live.first == pin)
        // A second record of the same live pin is the same row.
        let again = try store.recordPin(PinRecord(
            repository: "/srv/r.git", name: "refs/refuge/kept/\(old.hex)", target: old, sourceRef: nil, eventID: nil,
            reason: "forced", createdAt: Date()))
        #expect(again.id == pin.id)
        try store.markPinRemoved(id: try #require(pin.id), by: "prune")
        #expect(try store.livePins(repository: "/srv/r.git").isEmpty)
    }
}

@Suite("Audit store query plans")
struct AuditQueryPlanTests {
    /// SQLite's plan for `request` as `events` orders it (most recent last).
    func plan(_ filter: EventFilter, in store: AuditStore) throws -> String {
        try store.read { db in
            let (sql, arguments) = try AuditStore.query(filter, db)
            let rows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
            return rows.map { $0["detail"] as String }.joined(separator: "; ")
        }
    }

    @Test("the hot queries use their indexes, not a scan of every event")
    func hotQueriesUseIndexes() throws {
        let (store, directory) = try AuditStoreTests().store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let week = Date(timeIntervalSinceNow: -7 * 86_400)

        // `git refuge log --forced --since 7.days.ago`: only the partial index of rewrites is read.
        var forced = EventFilter(repository: "/srv/r.git")
        forced.kinds = [.forced, .delete]
        forced.since = week
        let forcedPlan = try plan(forced, in: store)
        #expect(forcedPlan.contains("USING INDEX event_rewrite_on_time (repository=? AND kind=? AND time>?)"), "\(forcedPlan)")

        // A report's period and `log --since`: the repository's events by time.
        var period = EventFilter(repository: "/srv/r.git")
        period.since = week
        period.until = Date()
        #expect(try plan(period, in: store).contains("USING INDEX event_on_repository_time (repository=? AND time>? AND time<?)"))

        // `log --ref`, `recover`, `check`: one ref's history.
        var ref = EventFilter(repository: "/srv/r.git")
        ref.ref = "refs/heads/main"
        #expect(try plan(ref, in: store).contains("USING INDEX event_on_repository_ref (repository=? AND ref=?)"))

        // Backfill's check of what a ref's log already holds.
        let recorded = try store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT old, new, time FROM event WHERE repository = ? AND ref = ? AND side != 'client'",
                             arguments: ["/srv/r.git", "refs/heads/main"]).map { $0["detail"] as String }.joined()
        }
        #expect(recorded.contains("USING INDEX event_on_repository_ref (repository=? AND ref=?)"))
        for filter in [forced, period, ref] { #expect(try !plan(filter, in: store).contains("SCAN event")) }
    }
}

@Suite("Audit store daily counts and report queries")
struct AuditReportQueryTests {
    /// Events at fixed times over three UTC days: 10:00 and 20:00 on the 1st, 2nd and 3rd, alternately
    /// forced and fast-forward, one of them a refusal and one a recovery.
    func seeded() throws -> (AuditStore, String, Date) {
        let (store, directory) = try AuditStoreTests().store()
        let start = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400))
        let old = ObjectID(hex: String(repeating: "a", count: 40))!, new = ObjectID(hex: String(repeating: "b", count: 40))!
        var events: [AuditEvent] = []
        for day in 0..<3 {
            for hour in [10.0, 20.0] {
                let index = events.count
                events.append(AuditEvent(
                    time: start.addingTimeInterval(Double(day) * 86_400 + hour * 3_600), side: .server,
                    hook: index == 5 ? .recover : .postReceive, repository: "/srv/r.git",
                    update: RefUpdate(ref: "refs/heads/main", old: old, new: new)!,
                    kind: index % 2 == 0 ? .forced : .fastForward, dropped: 1,
                    status: index == 2 ? .rejected : .accepted, batch: "b\(index)"))
            }
        }
        try store.append(events)
        return (store, directory, start)
    }

    func total(_ days: [EventDay]) -> [String: Int] {
        Dictionary(days.map { ($0.day, $0.count) }, uniquingKeysWith: +)
    }

    @Test("daily counts: whole days from event_day, a period's first and last day from the events")
    func dailyCounts() throws {
        let (store, directory, start) = try seeded()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let days = ["2027-01-15", "2027-01-16", "2027-01-17"]
        #expect(EventDay.day(of: start) == days[0])
        var all = EventFilter(repository: "/srv/r.git")
        #expect(total(try store.dailyCounts(all)) == [days[0]: 2, days[1]: 2, days[2]: 2])
        // From 15:00 on the 1st to 15:00 on the 3rd: the 20:00 of the 1st, both of the 2nd, the 10:00 of the 3rd.
        all.since = start.addingTimeInterval(15 * 3_600)
        all.until = start.addingTimeInterval(2 * 86_400 + 15 * 3_600)
        #expect(total(try store.dailyCounts(all)) == [days[0]: 1, days[1]: 2, days[2]: 1])
        // Within one day.
        all.until = start.addingTimeInterval(21 * 3_600)
        #expect(total(try store.dailyCounts(all)) == [days[0]: 1])
        // A ref filter counts the events themselves; another repository has none.
        var ref = EventFilter(repository: "/srv/r.git")
        ref.ref = "main"
        #expect(total(try store.dailyCounts(ref)) == [days[0]: 2, days[1]: 2, days[2]: 2])
        #expect(try store.dailyCounts(EventFilter(repository: "/srv/other.git")).isEmpty)

        // Rewrites leave out the refusal and the recovery's row: events 0 and 4 are the forced ones left.
        let totals = try store.rewriteTotals(EventFilter(repository: "/srv/r.git"))
        #expect(totals == AuditStore.RewriteTotals(count: 2, forced: 2, deletions: 0, commitsDropped: 2))
        #expect(try store.newestRewrites(EventFilter(repository: "/srv/r.git"), limit: 1).map(\.id) == [5])
        #expect(try store.count(.refusals, EventFilter(repository: "/srv/r.git")) == 1)
        #expect(try store.listed(.recoveries, EventFilter(repository: "/srv/r.git")).map(\.id) == [6])
        // A row deleted by hand leaves the counts matching the rows.
        try store.write { try $0.execute(sql: "DELETE FROM event WHERE id = 1") }
        #expect(total(try store.dailyCounts(EventFilter(repository: "/srv/r.git"))) == [days[0]: 1, days[1]: 2, days[2]: 2])
    }

    func plan(_ sql: String, _ arguments: StatementArguments, in store: AuditStore) throws -> String {
        try store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments)
                .map { $0["detail"] as String }.joined(separator: "; ")
        }
    }

    @Test("a report's listings and sums read their partial indexes, not every event")
    func reportQueriesUseIndexes() throws {
        let (store, directory) = try AuditStoreTests().store()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let filter = EventFilter(repository: "/srv/r.git")
        let expected: [(AuditStore.Listing, String)] = [
            (.refusals, "event_refusal"), (.unconfirmedPushes, "event_unconfirmed"), (.recoveries, "event_recovery"),
        ]
        for (listing, index) in expected {
            let (sql, arguments) = try store.read { db in
                try AuditStore.sql(AuditStore.rows(of: listing, filter), db, rewritesOnly: false)
            }
            let found = try plan(sql, arguments, in: store)
            #expect(found.contains("USING INDEX \(index) (repository=?)") && !found.contains("SCAN event"), "\(found)")
        }
        let (rewrites, arguments) = try store.read { db in
            try AuditStore.sql(AuditStore.rewrites(filter), db, rewritesOnly: true)
        }
        let rewritesPlan = try plan(rewrites, arguments, in: store)
        #expect(rewritesPlan.contains("USING INDEX event_rewrite_on_time (repository=? AND kind=?)"), "\(rewritesPlan)")
        let undoes = try plan("SELECT * FROM event WHERE undoes = ?", [1], in: store)
        #expect(undoes.contains("USING INDEX event_undoes (undoes=?)"), "\(undoes)")
        let repositories = try plan("SELECT DISTINCT repository FROM event_day WHERE count != 0", [], in: store)
        #expect(!repositories.contains("event "), "\(repositories)")
    }
}
