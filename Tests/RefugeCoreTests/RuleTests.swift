import Foundation
import GRDB
import GitKit
import RefugeTestSupport
import Testing
@testable import RefugeCore

/// The rules that decide what an answer counts: each written once, and where it must be written again (SQL,
/// sh), checked against the one place.
@Suite("Rules: ref roles, push intent, CSV cells")
struct RuleTests {
    static let refs = [
        "HEAD", "refs/stash", "refs/bisect/bad", "refs/bisect/good-1234", "refs/rewritten/onto", "refs/refuge/kept/abc",
        "refs/heads/main", "refs/heads/stash", "refs/tags/v1", "refs/remotes/origin/main", "refs/notes/commits",
        "refs/heads/HEAD-fix", "refs/stash-old", "refs/bisectx",
    ]

    @Test("a listing's SQL condition and its rule on daily counts agree, for every status, side and hook")
    func listingRules() throws {
        let queue = try DatabaseQueue()
        for listing in [AuditStore.Listing.refusals, .unconfirmedPushes, .recoveries] {
            for status in EventStatus.allCases {
                for side in Side.allCases {
                    for hook in EventSource.allCases {
                        let sql = try queue.read { db in
                            try Bool.fetchOne(db, sql: "SELECT \(listing.condition) FROM (SELECT ? AS status, ? AS side, ? AS hook)",
                                              arguments: [status.rawValue, side.rawValue, hook.rawValue])
                        }
                        let day = EventDay(day: "2026-12-01", kind: .forced, side: side, status: status, source: hook, bookkeeping: false, count: 1)
                        #expect(sql == listing.includes(day), "\(listing) \(status) \(side) \(hook)")
                    }
                }
            }
        }
    }

    @Test("RefRole's SQL says what its Swift says, for every kind of ref")
    func sqlAgrees() throws {
        let queue = try DatabaseQueue()
        for ref in Self.refs {
            let sql = try queue.read { db in
                try Bool.fetchOne(db, sql: "SELECT \(RefRole.bookkeepingSQL("?"))", arguments: [ref, ref, ref, ref, ref])
            }
            #expect(sql == RefRole(ref: ref).isBookkeeping, "\(ref)")
        }
        #expect(RefRole(ref: "HEAD") == .bookkeeping(.detachedHead))
        #expect(RefRole(ref: "refs/heads/main") == .history && RefRole(ref: "refs/stash-old") == .history)
    }

    @Test("the reference-transaction and post-receive shims spell RefRole's bookkeeping refs the same way")
    func shimsAgree() {
        for hook in [GitHook.referenceTransaction, .postReceive] {
            #expect(HookScripts.text(for: hook).contains(RefRole.shellPattern), "\(hook.rawValue)")
        }
        // The pattern, matched by sh itself, selects what RefRole selects.
        for ref in Self.refs {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "case $0 in \(RefRole.shellPattern)) exit 0 ;; *) exit 1 ;; esac", ref]
            try? process.run()
            process.waitUntilExit()
            #expect((process.terminationStatus == 0) == RefRole(ref: ref).isBookkeeping, "\(ref)")
        }
    }

    @Test("the post-receive shim copies exactly the pusher variables the drain and pre-receive read, in their order")
    func pusherVariablesAgree() {
        let line = HookScripts.text(for: .postReceive).split(separator: "\n").first { $0.contains("for v in ") }
        #expect(line?.split(separator: " ").drop { $0 != "in" }.dropFirst().map { String($0).replacingOccurrences(of: ";", with: "") }
            .filter { !$0.isEmpty && $0 != "do" } == Identity.recordedServerVariables)
        #expect(Identity.serverPusher(in: ["REMOTE_USER": "web", "GL_USER": "gl"])?.name == "gl")
        #expect(Identity.serverPusher(in: ["GL_USER": "", "REMOTE_USER": "a\nb", "GIT_PUSH_CERT_SIGNER": "s"])?.variable == "GIT_PUSH_CERT_SIGNER")
        #expect(Identity.serverPusher(in: [:]) == nil)
        #expect(Identity.serverPusher(in: ["SSH_CONNECTION": "192.0.2.7 50022 192.0.2.1 22"]) == nil)
        #expect(Identity.remoteAddress(in: ["SSH_CONNECTION": "2001:db8::7 50022 2001:db8::1 22", "REMOTE_ADDR": "x"]) == "2001:db8::7")
        #expect(Identity.remoteAddress(in: ["SSH_CLIENT": "192.0.2.8 50022 22"]) == "192.0.2.8")
        #expect(Identity.remoteAddress(in: ["REMOTE_ADDR": "198.51.100.9"]) == "198.51.100.9")
        #expect(Identity.remoteAddress(in: ["GL_USER": "alice"]) == nil)
    }

    @Test("the shims that pass git's input on to a chained hook read it with the same code (each shim stands alone)")
    func chainingAgrees() {
        let read = #"while IFS= read -r line || [ -n "$line" ]; do input=$input$line$nl; done"#
        let feed = "exec \"$chained\" \"$@\" <<EOF\n${input%\"$nl\"}\nEOF"
        for hook in [GitHook.postReceive, .referenceTransaction] {
            let text = HookScripts.text(for: hook).split(separator: "\n").map { $0.drop { $0 == " " } }.joined(separator: "\n")
            #expect(text.contains(read) && text.contains(feed), "\(hook.rawValue)")
        }
    }

    @Test("Refuge's refs: one namespace, the one the shims pin under and install hides")
    func refugeRefs() {
        let pin = RefugeRefs.pin(for: ObjectID(hex: Fixtures.c)!)
        #expect(pin == "refs/refuge/kept/" + Fixtures.c && RefugeRefs.isRefugeOwned(pin))
        #expect(!RefugeRefs.isRefugeOwned("refs/refugee/x") && !RefugeRefs.isRefugeOwned("refs/heads/refs/refuge/x"))
        for hook in [GitHook.referenceTransaction, .postReceive, .postCheckout] {
            #expect(HookScripts.text(for: hook).contains(RefugeRefs.kept), "\(hook.rawValue)")
        }
    }

    @Test("push intent: what git's command line and push config ask to force")
    func pushIntent() {
        func intent(_ line: String, config: [String] = [], mirror: Bool = false) -> PushIntent {
            PushIntent(arguments: line.split(separator: " ").map(String.init), configuredPush: config, mirror: mirror)
        }
        #expect(!intent("git push origin main").forces("refs/heads/main"))
        #expect(!intent("git push").forces("refs/heads/main"))
        #expect(intent("git push -f origin main").forces("refs/heads/main"))
        #expect(intent("git push -uf origin main").forces("refs/heads/main"))
        #expect(intent("git push --force-with-lease origin main").forces("refs/heads/main"))
        #expect(intent("git push --force-with-lease=main:abc origin main").forces("refs/heads/main"))
        #expect(intent("git push --mirror origin").forces("refs/heads/x"))
        #expect(intent("git -c a.b=c push origin +main").forces("refs/heads/main"))
        #expect(!intent("git push origin +main other").forces("refs/heads/other"))
        #expect(intent("git push origin +HEAD:refs/heads/topic").forces("refs/heads/topic"))
        #expect(!intent("git push -o ci.skip origin main").forces("refs/heads/main"))
        #expect(!intent("git push --push-option -f origin main").forces("refs/heads/main"))  // -f is the option's value
        #expect(intent("git push origin", config: ["+refs/heads/*:refs/heads/*"]).forces("refs/heads/main"))
        #expect(!intent("git push origin main", config: ["+refs/heads/*:refs/heads/*"]).forces("refs/heads/main"))
        #expect(intent("git push origin", mirror: true).forces("refs/heads/main"))
        #expect(intent("something else").forces("refs/heads/main"))  // unknown: assume the worst
        #expect(!intent("git push --signed origin +main other").forces("refs/heads/other"))  // --signed takes no next value
        #expect(intent("git push --signed origin +main").forces("refs/heads/main"))
        #expect(!intent("git push -ofoo origin main").forces("refs/heads/main"))
        #expect(PushIntent(arguments: ["git", "push", "origin", ""], configuredPush: ["+refs/heads/*:refs/heads/*"])
            .forces("refs/heads/main"))  // cmdline's final NUL is no empty refspec
    }

    @Test("CSV cells a spreadsheet would run as formulas are neutralized (OWASP), others left alone")
    func csvCells() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            #expect(ReportRenderer.neutralized(cell) == "'" + cell)
        }
        for cell in ["alice", "refs/heads/main", "2026-11-22T03:40:12Z", "", "a=b"] {
            #expect(ReportRenderer.neutralized(cell) == cell)
        }
    }

    @Test("git stash pop deleting the stash: the shim's =consumed line marks that deletion only")
    func stashPopConsumed() {
        let (a, b, zero) = (Fixtures.a, Fixtures.b, Fixtures.zero)
        let result = HookRecords(text: "C 1.00\n\(a) \(zero) refs/stash\n=consumed refs/stash\n.\nC 2.00\n\(b) \(zero) refs/heads/x\n.\n").updates()
        #expect(result.map(\.update.ref) == ["refs/stash", "refs/heads/x"])
        #expect(result.map(\.consumed) == [true, false])
        #expect(HookRecords(text: "C 1.00\n=consumed refs/stash\n.\n").problems.isEmpty)
    }

    @Test("how long ago, in words: singular and plural")
    func ago() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(Timestamp.ago(now.addingTimeInterval(-30), now: now) == "less than a minute ago")
        #expect(Timestamp.ago(now.addingTimeInterval(-60), now: now) == "1 minute ago")
        #expect(Timestamp.ago(now.addingTimeInterval(-180), now: now) == "3 minutes ago")
        #expect(Timestamp.ago(now.addingTimeInterval(-3_600), now: now) == "1 hour ago")
        #expect(Timestamp.ago(now.addingTimeInterval(-86_400 * 3), now: now) == "3 days ago")
    }
}
