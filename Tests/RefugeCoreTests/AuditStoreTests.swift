import Foundation
import GRDB
import GitKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

@Suite("Audit store records")
struct AuditStoreTests {
    /// A store in a sandbox of its own; the sandbox goes when the test drops it.
    func store() throws -> (AuditStore, Sandbox) {
        let box = try Sandbox()
        let location = AuditLocation(databasePath: box.path("audit.db"), shared: false, spoolDirectory: box.path("spool"))
        return (try AuditStore(location: location), box)
    }

    @Test("the log is an outbox: events after a cursor, in id order, each once, however the reads are cut")
    func outbox() throws {
        let (store, box) = try store()
        defer { withExtendedLifetime(box) {} }
        let ids = (0..<7).map { index in ObjectID(hex: String(repeating: "\(index + 1)", count: 40))! }
        for (index, id) in ids.enumerated() {
            try store.append([AuditEvent(
                time: Date(timeIntervalSince1970: 1_800_000_000 + Double(index)), side: .server, source: .hook(.postReceive),
                repository: index % 2 == 0 ? "/srv/a.git" : "/srv/b.git", update: RefUpdate(creatingOrMoving: "refs/heads/x\(index)", from: nil, to: id),
                kind: .create, dropped: 0, status: .accepted, batch: "b\(index)")])
        }
        var cursor: Int64 = 0
        var read: [ObjectID?] = []
        while true {
            let batch = try store.events(after: cursor, limit: 3)
            guard let last = batch.last?.id else { break }
            read += batch.map(\.new)
            cursor = last
        }
        #expect(read == ids && cursor == 7)
        #expect(try store.events(after: 7, limit: 3).isEmpty)
        #expect(try store.events(after: 2, limit: 2).map(\.id) == [3, 4])
    }

    @Test("the chain's encoding, spelled out: refuge-chain-v1 over each column's value as stored before v7")
    func chainEncoding() throws {
        let (store, box) = try store()
        defer { withExtendedLifetime(box) {} }
        let new = String(repeating: "ab", count: 20), old = String(repeating: "0c", count: 20)
        let batch = "8920B4D6-1F88-4524-AD12-CE41BC631399"
        try store.append([AuditEvent(
            time: Date(timeIntervalSince1970: 1_795_318_812.123), side: .server, source: .hook(.postReceive),
            repository: "/srv/a.git", update: RefUpdate(creatingOrMoving: "refs/heads/ü\tx", from: ObjectID(hex: old), to: ObjectID(hex: new)!),
            kind: .forced, dropped: 12, status: .accepted, batch: batch, pusher: "alice")])
        // The stored row, read here by SQL alone: compact values as the text they replaced, the rest by class.
        let (fields, stored) = try store.read { db -> ([String], String) in
            let row = try Row.fetchOne(db, sql: """
                SELECT id, typeof(time), time, side, hook, (SELECT path FROM repository WHERE id = repository_id), ref,
                       lower(hex(old)), lower(hex(new)), kind, dropped, pusher, remote, url, local_ref, push_options, status,
                       hex(batch), process_id, reason, undoes, address, lower(hex(hash))
                FROM event
                """)!
            #expect((row[1] as String) == "integer" && (row[2] as Int64) == 1_795_318_812_123)
            let names = ["id", "time", "side", "hook", "repository", "ref", "old", "new", "kind", "dropped", "pusher", "remote",
                         "url", "local_ref", "push_options", "status", "batch", "process_id", "reason", "undoes"]
            let values: [DatabaseValue] = [row[0], "2026-11-22 03:40:12.123".databaseValue] + (3...21).map { row[$0] }
            let fields = zip(names + ["address"], values).compactMap { name, value -> String? in
                switch value.storage {
                case .null: return name == "address" ? nil : "\(name)=n"
                case .int64(let number): return "\(name)=i\(number)"
                case .string(var text):
                    if name == "batch" {  // the UUID's 16 bytes, as its text
                        for dash in [8, 13, 18, 23] { text.insert("-", at: text.index(text.startIndex, offsetBy: dash)) }
                    }
                    return "\(name)=s\(text.utf8.count):\(text)"
                default: return "\(name)=?"
                }
            }
            return (fields, row[22])
        }
        #expect(fields.contains("batch=s36:\(batch)") && fields.contains("old=s40:\(old)") && fields.contains("ref=s15:refs/heads/ü\tx"))
        let encoding = "refuge-chain-v1\n\(AuditChain.genesis)\n" + fields.map { "\($0)\n" }.joined()
        // SHA-256 by coreutils, not by the code under test.
        let sha = Process(), input = Pipe(), output = Pipe()
        sha.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        (sha.standardInput, sha.standardOutput) = (input, output)
        try sha.run()
        input.fileHandleForWriting.write(Data(encoding.utf8))
        try input.fileHandleForWriting.close()
        let expected = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        sha.waitUntilExit()
        #expect(stored == String(expected))
        #expect(try store.verifyChain().intact)
    }

    @Test("every column reads back as written (ids in camel case included)")
    func roundTrip() throws {
        let (store, box) = try store()
        defer { withExtendedLifetime(box) {} }
        let old = ObjectID(hex: Fixtures.a)!, new = ObjectID(hex: Fixtures.b)!
        let event = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000), side: .server, source: .hook(.postReceive), repository: "/srv/r.git",
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
        let (store, box) = try AuditStoreTests().store()
        defer { withExtendedLifetime(box) {} }
        let week = Date(timeIntervalSinceNow: -7 * 86_400)

        // `git refuge log --forced --since 7.days.ago`: only the partial index of rewrites is read.
        var forced = EventFilter(repository: "/srv/r.git")
        forced.rewrites = true
        forced.since = week
        let forcedPlan = try plan(forced, in: store)
        #expect(forcedPlan.contains("USING INDEX event_rewrite_on_time (repository_id=? AND kind=? AND time>?)"), "\(forcedPlan)")

        // A report's period and `log --since`: the repository's events by time.
        var period = EventFilter(repository: "/srv/r.git")
        period.since = week
        period.until = Date()
        #expect(try plan(period, in: store).contains("USING INDEX event_on_repository_time (repository_id=? AND time>? AND time<?)"))

        // `log --ref`, `recover`, `check`: one ref's history.
        var ref = EventFilter(repository: "/srv/r.git")
        ref.ref = "refs/heads/main"
        #expect(try plan(ref, in: store).contains("USING INDEX event_on_repository_ref (repository_id=? AND ref=?)"))

        // Backfill's check of what a ref's log already holds.
        let recorded = try store.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT old, new, time FROM event WHERE \(EventStorage.inRepositorySQL) AND ref = ? AND side != 'client'",
                             arguments: ["/srv/r.git", "refs/heads/main"]).map { $0["detail"] as String }.joined()
        }
        #expect(recorded.contains("USING INDEX event_on_repository_ref (repository_id=? AND ref=?)"))
        for filter in [forced, period, ref] { #expect(try !plan(filter, in: store).contains("SCAN event")) }
    }
}

@Suite("Audit store daily counts and report queries")
struct AuditReportQueryTests {
    /// Events at fixed times over three UTC days: 10:00 and 20:00 on the 1st, 2nd and 3rd, alternately
    /// forced and fast-forward, one of them a refusal and one a recovery.
    func seeded() throws -> (AuditStore, Sandbox, Date) {
        let (store, directory) = try AuditStoreTests().store()
        let start = Date(timeIntervalSince1970: 1_800_000_000 - 1_800_000_000.truncatingRemainder(dividingBy: 86_400))
        let old = ObjectID(hex: Fixtures.a)!, new = ObjectID(hex: Fixtures.b)!
        var events: [AuditEvent] = []
        for day in 0..<3 {
            for hour in [10.0, 20.0] {
                let index = events.count
                events.append(AuditEvent(
                    time: start.addingTimeInterval(Double(day) * 86_400 + hour * 3_600), side: .server,
                    source: index == 5 ? .recover : .hook(.postReceive), repository: "/srv/r.git",
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
        let (store, box, start) = try seeded()
        defer { withExtendedLifetime(box) {} }
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
        let (store, box) = try AuditStoreTests().store()
        defer { withExtendedLifetime(box) {} }
        let filter = EventFilter(repository: "/srv/r.git")
        let expected: [(AuditStore.Listing, String)] = [
            (.refusals, "event_refusal"), (.unconfirmedPushes, "event_unconfirmed"), (.recoveries, "event_recovery"),
        ]
        for (listing, index) in expected {
            let (sql, arguments) = try store.read { db in
                try AuditStore.sql(AuditStore.rows(of: listing, filter), db, rewritesOnly: false)
            }
            let found = try plan(sql, arguments, in: store)
            #expect(found.contains("USING INDEX \(index) (repository_id=?)") && !found.contains("SCAN event"), "\(found)")
        }
        let (rewrites, arguments) = try store.read { db in
            try AuditStore.sql(AuditStore.rewrites(filter), db, rewritesOnly: true)
        }
        let rewritesPlan = try plan(rewrites, arguments, in: store)
        #expect(rewritesPlan.contains("USING INDEX event_rewrite_on_time (repository_id=? AND kind=?)"), "\(rewritesPlan)")
        let undoes = try plan("SELECT * FROM event WHERE undoes = ?", [1], in: store)
        #expect(undoes.contains("USING INDEX event_undoes (undoes=?)"), "\(undoes)")
        let repositories = try plan(
            "SELECT path FROM repository WHERE id IN (SELECT repository_id FROM event_day WHERE count != 0)", [], in: store)
        #expect(!repositories.contains("event "), "\(repositories)")
    }
}

@Suite("Audit store compact storage (migration v7)")
struct CompactStorageTests {
    @Test("a v6 log migrates with every hash unchanged: same head, intact chain, the same events read back")
    func migration() throws {
        let box = try Sandbox()
        let directory = box.root
        let path = "\(directory)/audit.db"
        let queue = try DatabaseQueue(path: path)
        try AuditMigrations.migrator.migrate(queue, upTo: "v6: daily counts, listing indexes, chain checkpoints")
        let a = String(repeating: "a", count: 40), upper = String(repeating: "B", count: 40)
        let uuid = "8920B4D6-1F88-4524-AD12-CE41BC631399"
        // Rows as v6 stored them; the odd ones as only a hand writes them: an upper-case id, a lower-case
        // UUID batch, a time not in GRDB's format. Each must hash as before.
        try queue.write { db in
            let insert = """
                INSERT INTO event (time, side, hook, repository, ref, old, new, kind, status, batch, pusher, undoes)
                VALUES (?, 'server', 'post-receive', ?, 'refs/heads/main', ?, ?, ?, 'accepted', ?, ?, ?)
                """
            try db.execute(sql: insert, arguments: ["2026-11-22 03:40:12.123", "/srv/a.git", nil, a, "create", uuid, "alice", nil])
            try db.execute(sql: insert, arguments: ["2024-02-29 23:59:59.999", "/srv/b.git", a, upper, "forced", uuid.lowercased(), nil, nil])
            try db.execute(sql: insert, arguments: ["2026-11-22T03:40:12Z", "/srv/a.git", a, nil, "delete", "batch-7", "bob", 1])
            try AuditChain.sealUnsealedV4(db)
        }
        let location = AuditLocation(databasePath: path, shared: false, spoolDirectory: "\(directory)/spool")
        let before = try AuditStore(location: location, readOnly: true).verifyChain()
        #expect(before.intact && before.events == 3)

        let store = try AuditStore(location: location)  // migrates to v7
        let after = try store.verifyChain()
        #expect(after.intact && after.events == 3 && after.head == before.head)
        #expect(try store.verifyChain(against: before.head).anchorFound == true)
        let stored = try store.read { db in
            try Row.fetchAll(db, sql: "SELECT typeof(time), typeof(old), typeof(new), typeof(batch), typeof(hash) FROM event ORDER BY id")
                .map { row in (0..<5).map { index in row[index] as String }.joined(separator: " ") }
        }
        #expect(stored == ["integer null blob blob blob", "integer blob text text blob", "text blob null text blob"])
        let events = try store.events(EventFilter()).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        #expect(events.map(\.repository) == ["/srv/a.git", "/srv/b.git", "/srv/a.git"])
        #expect(events.map(\.batch) == [uuid, uuid.lowercased(), "batch-7"])
        #expect(events[0].time == Date(timeIntervalSince1970: 1_795_318_812.123))
        #expect(events[1].new?.hex == upper.lowercased() && events[2].undoes == 1 && events[2].pusher == "bob")
        #expect(try store.repositories() == ["/srv/a.git", "/srv/b.git"])

        // New rows extend the same chain, and the daily counts follow the migrated rows.
        let next = AuditEvent(
            time: Date(timeIntervalSince1970: 1_800_000_000), side: .local, source: .hook(.referenceTransaction),
            repository: "/srv/c.git", update: RefUpdate(ref: "refs/heads/x", old: nil, new: ObjectID(hex: a))!,
            kind: .create, dropped: nil, status: .done, batch: UUID().uuidString)
        try store.append([next])
        let extended = try store.verifyChain(against: before.head)
        #expect(extended.intact && extended.rowsAfterAnchor == 1)
        #expect(try store.dailyCounts(EventFilter(repository: "/srv/a.git")).reduce(0) { $0 + $1.count } == 2)
    }

    @Test("times: milliseconds and the text the chain hashes agree with SQLite's own formatting")
    func times() throws {
        let (store, box) = try AuditStoreTests().store()
        defer { withExtendedLifetime(box) {} }
        let samples: [Int64] = [0, 999, 86_399_999, 951_782_400_000, 1_709_251_199_999, 1_795_318_812_123, 4_102_444_800_000]
        for milliseconds in samples {
            let text = EventStorage.storedText(milliseconds: milliseconds)
            #expect(EventStorage.milliseconds(storedText: text) == milliseconds, "\(text)")
            let sqlite = try store.read { db in
                try String.fetchOne(db, sql: "SELECT strftime('%Y-%m-%d %H:%M:%S', ? / 1000, 'unixepoch') || printf('.%03d', ? % 1000)",
                                    arguments: [milliseconds, milliseconds])
            }
            #expect(sqlite == text)
        }
        #expect(EventStorage.milliseconds(storedText: "2026-02-31 00:00:00.000") == nil)
        #expect(EventStorage.milliseconds(storedText: "2026-11-22T03:40:12Z") == nil)
    }
}
