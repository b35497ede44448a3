import Foundation
import GitKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

@Suite("Parsing hook input")
struct HookInputTests {
    let a = Fixtures.a, b = Fixtures.b, zero = Fixtures.zero

    @Test func prePushLines() {
        let parsed = PrePushLine.parse("""
            refs/heads/main \(a) refs/heads/main \(b)
            HEAD~ \(a) refs/heads/new \(zero)
            (delete) \(zero) refs/heads/gone \(b)

            """)
        #expect(parsed.malformed.isEmpty)
        #expect(parsed.lines.count == 3)
        #expect(parsed.lines[0].update == RefUpdate(ref: "refs/heads/main", old: ObjectID(hex: b), new: ObjectID(hex: a)))
        #expect(parsed.lines[1].localRef == "HEAD~" && parsed.lines[1].update.old == nil)
        #expect(parsed.lines[2].localRef == nil && parsed.lines[2].update.new == nil)
    }

    @Test("malformed pre-push lines are named by number and skipped; good lines are kept")
    func prePushGarbage() {
        let parsed = PrePushLine.parse("""
            garbage
            refs/heads/main \(a) refs/heads/main \(b)
            refs/heads/x xyz refs/heads/x \(b)
            (delete) \(a) refs/heads/x \(b)
            refs/heads/x \(zero) refs/heads/x \(b)
            (delete) \(zero) refs/heads/x \(zero)
            refs/heads/x \(a) refs/heads/bad..name \(b)
            """)
        #expect(parsed.lines.count == 1)
        #expect(parsed.malformed.map(\.lineNumber) == [1, 3, 4, 5, 6, 7])
        #expect(parsed.malformed[0].description.contains("pre-push input line 1"))
        #expect(parsed.malformed[1].reason == "local object id is not 40 hexadecimal digits")
        #expect(parsed.malformed[5].reason == "remote ref is not a valid ref name")
    }

    @Test func receiveLines() {
        let parsed = ReceiveLine.parse("\(zero) \(a) refs/heads/a\n\(a) \(zero) refs/tags/t\n\(zero) \(zero) refs/heads/z\n\(a) \(b)\n")
        #expect(parsed.lines.map(\.ref) == ["refs/heads/a", "refs/tags/t"])
        #expect(parsed.malformed.map(\.lineNumber) == [3, 4])
    }

    @Test("binary garbage does not crash the parser")
    func binaryGarbage() {
        let text = String(decoding: (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* 37) }, as: UTF8.self)
        let parsed = ReceiveLine.parse(text)
        #expect(parsed.lines.isEmpty)
        #expect(!parsed.malformed.isEmpty)
    }

    @Test func objectIDs() throws {
        #expect(ObjectID(hex: a.uppercased())?.hex == a)
        #expect(ObjectID(hex: zero) == nil)
        #expect(ObjectID(hex: "abc") == nil)
        #expect(try HookObjectID.parse(zero) == nil)
        #expect(throws: HookObjectID.Failure.self) { try HookObjectID.parse("g" + String(a.dropFirst())) }
    }
}

@Suite("Remote URLs")
struct RemoteURLTests {
    @Test(arguments: [
        ("https://user:token@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://ghp_secret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://host/r.git?private_token=x#frag", "https://host/r.git#frag"),
        ("ssh://git:pw@host:22/r.git", "ssh://git@host:22/r.git"),
        ("ssh://git@host/r.git", "ssh://git@host/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("/srv/git/r.git", "/srv/git/r.git"),
        ("git://127.0.0.1:9418/r.git", "git://127.0.0.1:9418/r.git"),
    ])
    func redaction(input: String, expected: String) {
        #expect(RemoteURL.redacted(input) == expected)
    }
}

@Suite("Dates")
struct DateExpressionTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func relative() throws {
        #expect(try DateExpression.parse("7.days.ago", now: now) == now.addingTimeInterval(-7 * 86_400))
        #expect(try DateExpression.parse("3 hours ago", now: now) == now.addingTimeInterval(-3 * 3_600))
        #expect(try DateExpression.parse("1.week.ago", now: now) == now.addingTimeInterval(-604_800))
        #expect(try DateExpression.parse("yesterday", now: now) == now.addingTimeInterval(-86_400))
        #expect(try DateExpression.parse("now", now: now) == now)
    }

    @Test func absolute() throws {
        #expect(try DateExpression.parse("2026-11-20") == Date(timeIntervalSince1970: 1_795_132_800))
        #expect(try DateExpression.parse("2026-11-20 01:00") == Date(timeIntervalSince1970: 1_795_136_400))
        #expect(try DateExpression.parse("2026-11-20T01:00:00Z") == Date(timeIntervalSince1970: 1_795_136_400))
        #expect(try DateExpression.parse("@1700000000") == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(throws: DateExpression.Invalid.self) { try DateExpression.parse("next tuesday") }
    }
}
