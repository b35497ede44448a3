import Foundation
import GitKit
import Testing
@testable import RefugeCore

/// `log --json`'s hand-written list is JSONEncoder's output, byte for byte: the Encodable types stay the
/// one definition of the schema.
@Suite("Event lists as JSON")
struct EventListJSONTests {
    /// Every byte a string can hold that JSON treats specially, and characters beyond ASCII.
    static let awkward = String(decoding: Array(0x01...0x7F), as: UTF8.self) + " é — 😀 \u{2028}\u{2029} \u{FEFF} ~/refs/heads/a\\b\"c"

    static func events() -> [AuditEvent] {
        let sha1 = ObjectID(hex: "56b6e80e574506fe9d6ccb80380a2770dccb7260")!
        let other = ObjectID(hex: "0123456789abcdef0123456789abcdef01234567")!  // a second id (libgit2 1.5 reads SHA-1 ids only)
        var full = AuditEvent(
            time: Date(timeIntervalSince1970: 1_780_000_000.123), side: .client, source: .hook(.prePush), repository: "/srv/a b/r.git",
            update: RefUpdate(ref: "refs/heads/" + awkward, old: sha1, new: other)!, kind: .forced, dropped: 3,
            status: .attempted, batch: "CEA5018D-566E-4353-9BE5-A6C79A085139", pusher: "Zoë <z@example.org>", remote: "origin",
            url: "https://example.org/r.git", localRef: "HEAD~2", pushOptions: ["ci.skip", awkward, ""], processID: 4242,
            reason: "line one\nline two\ttab", undoes: 17, address: "2001:db8::1")
        full.id = 9_223_372_036_854_775_807
        let sparse = AuditEvent(
            time: Date(timeIntervalSince1970: 0), side: .server, source: .recover, repository: "", update: RefUpdate(ref: "", old: nil, new: sha1)!,
            kind: .create, dropped: nil, status: .done, batch: "")
        var emptyOptions = sparse
        (emptyOptions.id, emptyOptions.pushOptions, emptyOptions.dropped, emptyOptions.source) = (-1, [], 0, .backfill)
        var deletion = AuditEvent(
            time: Date(timeIntervalSince1970: 1_700_000_000.5), side: .local, source: .hook(.referenceTransaction), repository: awkward,
            update: RefUpdate(ref: "refs/tags/v1", old: other, new: nil)!, kind: .delete, dropped: 12, status: .confirmed, batch: awkward)
        deletion.id = 1
        return [full, sparse, emptyOptions, deletion]
    }

    @Test("the local list: JSONEncoder's bytes, for every kind of value and for an empty list")
    func local() throws {
        let events = Self.events()
        #expect(EventListJSON.render(events) == (try JSONOutput.render(events.map(EventJSON.init))))
        for event in events { #expect(EventListJSON.render([event]) == (try JSONOutput.render([EventJSON(event)]))) }
        #expect(EventListJSON.render([AuditEvent]()) == (try JSONOutput.render([EventJSON]())))
    }

    @Test("the central list: the same, with each event's source and host")
    func central() throws {
        let events = Self.events().enumerated().map { CentralEvent(event: $1, source: "source-\($0)", host: $0 == 0 ? Self.awkward : "git\($0)") }
        #expect(EventListJSON.render(events) == (try JSONOutput.render(events.map(CentralEventJSON.init))))
        #expect(EventListJSON.render([CentralEvent]()) == (try JSONOutput.render([CentralEventJSON]())))
    }
}
