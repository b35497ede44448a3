import Foundation
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
