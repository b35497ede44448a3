import Foundation
import PGKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

/// Schema v6 narrows a store that earlier versions filled: every value comes back exactly as the chain
/// hashed it, the odd ones (an id or batch not in the canonical text of its new type) through their twins.
@Suite("Central store migrations")
struct CentralMigrationTests {
    /// One event's chained values, in `AuditChain.columns` order.
    func chained(id: Int64, minute: Int64, old: String?, new: String?, batch: String) -> [AuditChain.Value] {
        let time = EventStorage.storedText(milliseconds: 1_780_000_000_000 + minute * 60_000)
        let values: [String: AuditChain.Value] = [
            "id": .integer(id), "time": .text(Array(time.utf8)), "side": .text(Array("server".utf8)),
            "hook": .text(Array("post-receive".utf8)), "repository": .text(Array("/srv/r.git".utf8)),
            "ref": .text(Array("refs/heads/main".utf8)), "old": old.map { .text(Array($0.utf8)) } ?? .null,
            "new": new.map { .text(Array($0.utf8)) } ?? .null, "kind": .text(Array("forced".utf8)), "dropped": .integer(1),
            "pusher": .text(Array("alice".utf8)), "remote": .null, "url": .null, "local_ref": .null, "push_options": .null,
            "status": .text(Array("accepted".utf8)), "batch": .text(Array(batch.utf8)), "process_id": .integer(4242),
            "reason": .null, "undoes": .null, "address": .null,
        ]
        return AuditChain.columns.map { values[$0]! }
    }

    func text(_ value: AuditChain.Value) -> String? {
        if case .text(let raw) = value { return String(decoding: raw, as: UTF8.self) }
        if case .integer(let number) = value { return String(number) }
        return nil
    }

    @Test("v6 converts a v5 store's rows (canonical and odd) and its chain still verifies; a ship writes odd values to the twins")
    func narrowerEvents() throws {
        let postgres = try PostgresServer()
        let connection = try Connection(try postgres.createDatabase("fleet"))
        #expect(try CentralSchema.migrate(connection, through: 5).count == 5)

        let sha1 = "56b6e80e574506fe9d6ccb80380a2770dccb7260", sha256 = String(repeating: "0123456789abcdef", count: 4)
        let events = [
            chained(id: 1, minute: 0, old: nil, new: sha1, batch: "CEA5018D-566E-4353-9BE5-A6C79A085139"),
            chained(id: 2, minute: 1, old: sha1.uppercased(), new: sha256, batch: "backfill-1"),  // odd: upper-case id, text batch
            chained(id: 3, minute: 2, old: sha256, new: sha1, batch: "cea5018d-566e-4353-9be5-a6c79a085139"),  // odd: lower-case UUID
        ]
        // Repository identities as the local log makes them: a UUID's lower-case text, or 32 hex digits (its trigger).
        let identities = ["3f2a9c1e-8b7d-4e6f-a5c4-0d1e2f3a4b5c", "0123456789abcdef0123456789abcdef", "3f2a9c1e-8b7d-4e6f-a5c4-0d1e2f3a4b5c"]
        var previous = AuditChain.genesis
        var hashes: [String] = []
        try connection.execute("SELECT refuge_ensure_partition(to_timestamp(1780000000))", operation: "partition")
        for values in events {
            previous = AuditChain.hash(of: values, previous: previous)
            hashes.append(previous)
            func column(_ name: String) -> String? { text(values[AuditChain.columns.firstIndex(of: name)!]) }
            try connection.execute("""
                INSERT INTO event (source, seq, time, side, hook, repository_identity, repository_path, ref, old, new, kind, dropped,
                                   pusher, status, batch, process_id, hash)
                VALUES ('legacy', $1, $2::timestamptz, $3, $4, $16, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
                """, [column("id"), column("time")! + "+00", column("side"), column("hook"), column("repository"), column("ref"),
                      column("old"), column("new"), column("kind"), column("dropped"), column("pusher"), column("status"),
                      column("batch"), column("process_id"), previous, identities[hashes.count - 1]], operation: "storing a v5 row")
        }
        try connection.execute("""
            INSERT INTO source (id, host, database_path, first_seq, last_seq, last_hash) VALUES ('legacy', 'git1', '/srv/audit.db', 1, 3, $1)
            """, [previous], operation: "storing the source")
        // Its daily count and a dropped commit, keyed by the source's text id until v9.
        try connection.executeScript("""
            INSERT INTO event_day (source, repository_path, day, kind, side, status, hook, bookkeeping, count)
            VALUES ('legacy', '/srv/r.git', '2026-05-28', 'forced', 'server', 'accepted', 'post-receive', false, 3);
            INSERT INTO dropped_commit (source, seq, position, commit, author_name, author_email, author_time, summary, state, observed_at)
            VALUES ('legacy', 2, 0, '\(sha1)', 'Alice', 'alice@example.com', now(), 'lost work', 'lost', now());
            """, operation: "storing v5 counts and dropped commits")

        #expect(try CentralSchema.migrate(connection)
            == ["v6: narrower events", "v7: no index by repository identity", "v8: repository identities as uuid",
                "v9: daily counts and dropped commits by the source's key"])
        let identityRows = try connection.execute("""
            SELECT repository_identity::text AS uuid, repository_identity_text FROM event ORDER BY seq
            """, operation: "reading the identities")
        #expect((0..<3).map { identityRows[$0, "uuid"] ?? identityRows[$0, "repository_identity_text"] } == identities)
        #expect(identityRows[1, "uuid"] == nil)
        let stored = try connection.execute("""
            SELECT seq, old IS NULL AS old_null, old_text, new IS NULL AS new_null, new_text, batch IS NULL AS batch_null, batch_text,
                   octet_length(hash) AS hash_bytes, source_key FROM event ORDER BY seq
            """, operation: "reading the converted rows")
        #expect(stored.count == 3)
        #expect((0..<3).map { stored[$0, "old_text"] } == [nil, sha1.uppercased(), nil])
        #expect((0..<3).map { stored[$0, "batch_text"] } == [nil, "backfill-1", "cea5018d-566e-4353-9be5-a6c79a085139"])
        #expect((0..<3).map { stored[$0, "new_null"] } == ["f", "f", "f"])
        #expect((0..<3).map { stored[$0, "hash_bytes"] } == ["32", "32", "32"])
        let key = try connection.execute("SELECT key FROM source WHERE id = 'legacy'", operation: "reading the key")[0, "key"]
        #expect(Set((0..<3).map { stored[$0, "source_key"] }) == [key])
        let counted = try connection.execute("SELECT source_key, count FROM event_day", operation: "reading the daily counts")
        #expect(counted.count == 1 && counted[0, "source_key"] == key && counted[0, "count"] == "3")

        var verification = try CentralVerification.run(connection)
        #expect(verification.intact && verification.sources.first?.events == 3 && verification.sources.first?.head == hashes[2],
                "\(verification.sources)")
        let read = try CentralLog.events(EventFilter(repository: nil), connection: connection)
        #expect(read.map(\.event.batch) == ["CEA5018D-566E-4353-9BE5-A6C79A085139", "backfill-1", "cea5018d-566e-4353-9be5-a6c79a085139"])
        #expect(read.map(\.source) == ["legacy", "legacy", "legacy"] && read.first?.event.update?.new?.hex == sha1)
        // The report finds the dropped commit through the source's key.
        let dropped = try CentralReportQueries(connection: connection).dropped(by: [(read[1].event, "legacy"), (read[2].event, "legacy")])
        #expect(dropped.count == 2 && dropped[0]?.map(\.commit.id.hex) == [sha1] && dropped[0]?.first?.state == .lost)
        #expect(dropped[1] == nil)  // nothing sent for seq 3: not known

        // A ship's COPY line, with odd values of its own: they go to the twins, and the chain still holds.
        let fourth = chained(id: 4, minute: 3, old: "not an id", new: sha1, batch: "batch\twith a tab")
        let hash = AuditChain.hash(of: fourth, previous: hashes[2])
        var line: [UInt8] = []
        try CentralChain.appendCopyLine(sourceKey: Int64(key ?? "0") ?? 0, repositoryIdentity: identities[1], hash: hash, chained: fourth,
                                        time: Date(timeIntervalSince1970: 1_780_000_180), to: &line)
        try connection.copy(into: "event", columns: CentralChain.copyColumns, bytes: line, operation: "copying a row")
        try connection.execute("UPDATE source SET last_seq = 4, last_hash = $1", [hash], operation: "advancing")
        let twins = try connection.execute("""
            SELECT old_text, batch_text, old IS NULL AS old_null, repository_identity_text, repository_identity IS NULL AS identity_null
            FROM event WHERE seq = 4
            """, operation: "reading")
        #expect(twins[0, "repository_identity_text"] == identities[1] && twins[0, "identity_null"] == "t")
        #expect(twins[0, "old_text"] == "not an id" && twins[0, "batch_text"] == "batch\twith a tab" && twins[0, "old_null"] == "t")
        verification = try CentralVerification.run(connection)
        #expect(verification.intact && verification.sources.first?.events == 4, "\(verification.sources)")

        // An edit of a converted row is still caught.
        try connection.execute("UPDATE event SET batch = NULL, batch_text = 'forged' WHERE seq = 1", operation: "editing")
        verification = try CentralVerification.run(connection)
        #expect(verification.sources.first?.firstBreak?.eventID == 1)
    }
}
