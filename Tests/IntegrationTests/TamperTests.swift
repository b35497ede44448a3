import Foundation
import GRDB
import RefugeTestSupport
import Testing
@testable import RefugeCore

/// The audit log's hash chain against someone with write access to the database file: edits, deletions,
/// insertions, reordering and a wholesale rewrite are each caught, by `verify` or `verify --against`.
@Suite("Tamper evidence")
struct TamperTests {
    /// A server whose log holds a few real pushes (four events), and its database.
    func scene(_ box: Sandbox) throws -> (server: String, database: String) {
        let (server, alice, _) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        try box.git("push", "-q", "origin", "main:topic", in: alice)
        #expect(try box.events(in: server).count == 4)
        return (server, "\(server)/refuge/audit.db")
    }

    func verify(_ box: Sandbox, in directory: String, _ extra: String...) throws -> (Sandbox.Result, VerifyOutput) {
        let result = try box.run(box.refugeBinary, ["verify", "--json"] + extra, in: directory)
        return (result, Output.object(VerifyOutput.self, from: result.stdout))
    }

    /// Changes the file as someone with write access could, with SQLite's own tools (foreign keys off).
    func tamper(_ database: String, _ sql: String) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: database, configuration: configuration)
        try queue.write { try $0.execute(sql: sql) }
    }

    @Test("an intact log verifies, and prints the head hash")
    func intact() throws {
        let box = try Sandbox()
        let (server, _) = try scene(box)
        let (result, json) = try verify(box, in: server)
        #expect(result.status == 0)
        #expect(json.intact == true && json.events == 4 && json.firstBreak == nil)
        #expect(json.head?.count == 64 && json.integrity == ["ok"])
        let text = try box.refuge("verify", in: server)
        #expect(text.stdout.hasPrefix("chain intact: 4 event(s)\nhead \(json.head ?? "")"))
    }

    @Test("an edited row is named", arguments: [
        "UPDATE event SET pusher = 'mallory' WHERE id = 3",
        "UPDATE event SET dropped = 0 WHERE id = 3",
        "UPDATE event SET time = '2020-01-01 00:00:00.000' WHERE id = 3",
        "UPDATE event SET status = 'rejected' WHERE id = 3",
        // Bytes after a NUL: invisible to a C string, not to the chain.
        "UPDATE event SET pusher = pusher || char(0) || 'mallory' WHERE id = 3",
    ])
    func edited(sql: String) throws {
        let box = try Sandbox()
        let (server, database) = try scene(box)
        try tamper(database, sql)
        let (result, json) = try verify(box, in: server)
        #expect(result.status == 1)
        let problem = json.firstBreak
        #expect(problem?.event == 3 && problem?.problem?.contains("edited") == true)
        #expect(try box.refuge("verify", in: server).stdout.hasPrefix("chain broken at event #3"))
    }

    @Test("a deleted, an inserted and a reordered row are caught at the row after the change")
    func deletedInsertedReordered() throws {
        let box = try Sandbox()
        let (server, database) = try scene(box)
        try tamper(database, "DELETE FROM event WHERE id = 2")
        var (result, json) = try verify(box, in: server)
        #expect(result.status == 1 && (json.firstBreak)?.event == 3)
        #expect((json.firstBreak)?.problem?.hasSuffix("event #2 was deleted") == true)

        let box2 = try Sandbox()  // kept alive: a Sandbox removes its directory when it goes
        let (server2, database2) = try scene(box2)
        try tamper(database2, "INSERT INTO event (time, side, hook, repository_id, ref, old, new, kind, status, batch) "
            + "SELECT time, side, hook, repository_id, ref, old, new, kind, status, batch FROM event WHERE id = 1")
        (result, json) = try verify(box, in: server2)
        #expect(result.status == 1 && (json.firstBreak)?.event == 5)
        #expect((json.firstBreak)?.problem?.contains("not sealed") == true)

        let box3 = try Sandbox()
        let (server3, database3) = try scene(box3)
        // Swap rows 2 and 3 with their hashes: each still matches its own content, not its place.
        try tamper(database3, "UPDATE event SET id = -2 WHERE id = 2; UPDATE event SET id = 2 WHERE id = 3; UPDATE event SET id = 3 WHERE id = -2")
        (result, json) = try verify(box, in: server3)
        #expect(result.status == 1 && (json.firstBreak)?.event == 2)
    }

    @Test("a rewritten log passes on its own; --against the head kept earlier catches it, and a truncation")
    func anchored() throws {
        let box = try Sandbox()
        let (server, database) = try scene(box)
        let head = try verify(box, in: server).1.head ?? ""
        // New events extend the anchor (verify reads the log as it is: a drain writes the new one first).
        try box.git("push", "-q", "origin", ":topic", in: box.path("alice"))
        try box.refuge("drain", in: server)
        let (later, extended) = try verify(box, in: server, "--against", head)
        #expect(later.status == 0 && extended.anchorFound == true && extended.eventsAfterAnchor == 1)

        // Someone drops the last two events (the anchor's row among them) and re-seals the chain from
        // scratch: the chain is consistent again, but it no longer holds the anchor.
        try tamper(database, "DELETE FROM event WHERE id >= 4; UPDATE event SET hash = NULL")
        try AuditChainResealer.reseal(database)
        let (alone, _) = try verify(box, in: server)
        #expect(alone.status == 0)  // what a chain alone cannot prove
        let (caught, json) = try verify(box, in: server, "--against", head)
        #expect(caught.status == 1 && json.anchorFound == false)
        #expect(try box.refuge("verify", "--against", head, in: server).stdout.contains("the anchor is not in the log"))
    }

    @Test("a corrupt database file fails verify with SQLite's own finding")
    func corrupt() throws {
        let box = try Sandbox()
        let (server, database) = try scene(box)
        try DatabaseQueue(path: database).writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        // Page 1 (the header and schema) stays; every page after it is overwritten.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: database)[.size] as? Int)
        #expect(size > 4096)
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        try handle.seek(toOffset: 4096)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: size - 4096))
        try handle.close()
        let result = try box.run(box.refugeBinary, ["verify"], in: server)
        #expect(result.status == 1)
        #expect(!(result.stdout + result.stderr).isEmpty)
    }
}

/// What an attacker with the file could do: recompute every hash (the format is public).
enum AuditChainResealer {
    static func reseal(_ database: String) throws {
        let queue = try DatabaseQueue(path: database)
        try queue.write { db in
            var previous = String(repeating: "0", count: 64)
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM event ORDER BY id") {
                previous = try AuditChain.seal(id: id, db, previous: previous)  // reads the row as stored, writes its hash
            }
        }
    }
}
