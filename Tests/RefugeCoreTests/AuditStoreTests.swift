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
