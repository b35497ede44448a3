import Foundation
import RefugeTestSupport
import Testing

/// The automatic lease check in pre-push (refuge.prePush), replaying git's t5533-push-cas situations
/// through real pushes.
@Suite("The lease check before a push")
struct PrePushCheckTests {
    @Test("warn: --force-with-lease after a background fetch passes the lease; Refuge names what it drops")
    func warnAfterBackgroundFetch() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam()
        let push = try box.git("push", "-q", "--force-with-lease", "origin", "main", in: alice)
        #expect(push.succeeded)
        let lines = push.stderr.split(separator: "\n").filter { $0.hasPrefix("refuge:") }
        #expect(lines.first == "refuge: this push would drop 1 commit(s) of origin/main that main never had:")
        #expect(lines.contains { $0.contains(String(fix.prefix(7))) && $0.hasSuffix("bob's fix") })
        #expect(lines.contains { $0.contains("why: fetched into origin/main") && $0.hasSuffix("never merged into main") })
        #expect(lines.last == "refuge: pushing anyway (refuge.prePush=warn; set it to block to refuse such pushes)")
        #expect(try box.events(in: server, "--forced").count == 1)
    }

    @Test("block: the push is refused and the server keeps bob's fix; --no-verify overrides")
    func block() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam()
        try box.git("config", "refuge.prePush", "block", in: alice)
        let push = try box.git("push", "-q", "--force-with-lease", "origin", "main", in: alice, allowFailure: true)
        #expect(!push.succeeded)
        #expect(push.stderr.contains("refuge: push refused (refuge.prePush=block); git push --no-verify skips this check"))
        #expect(try box.revParse("main", in: server) == fix)
        // Recorded, never confirmed: not a rewrite that happened, listed with its status.
        #expect(try box.events(in: alice, "--side", "client", "--forced").isEmpty)
        let client = try box.events(in: alice, "--side", "client", "--forced", "--status", "attempted")
        #expect(client.map { $0.status } == ["attempted"])
        try box.git("push", "-q", "--no-verify", "--force-with-lease", "origin", "main", in: alice)
        #expect(try box.revParse("main", in: server) != fix)
    }

    @Test("amending your own pushed commit, then force pushing: silent")
    func amendOwn() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.git("config", "refuge.prePush", "block", in: alice)
        try box.commit("base", in: alice)
        try box.commit("typo", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "no typo", in: alice)
        let push = try box.git("push", "-q", "--force-with-lease", "origin", "main", in: alice)
        #expect(push.succeeded && !push.stderr.contains("refuge:"))
    }

    @Test("rebase onto the moved upstream after pull --rebase, rewriting your pushed commits: silent")
    func pullRebase() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try box.git("config", "refuge.prePush", "block", in: alice)
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        try box.commit("topic 1", in: alice)
        try box.git("push", "-q", "-u", "origin", "topic", in: alice)
        try box.git("pull", "-q", "origin", "main", in: bob)
        try box.commit("upstream moved", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.git("pull", "-q", "--rebase", "origin", "main", in: alice)
        let push = try box.git("push", "-q", "--force-with-lease", "origin", "topic", in: alice)
        #expect(push.succeeded && !push.stderr.contains("refuge:"))
    }

    @Test("a force push over a tip this clone never fetched: says it drops commits never seen")
    func neverFetched() throws {
        let box = try Sandbox()
        let (_, alice, fix) = try box.divergedTeam(fetch: false)
        let push = try box.git("push", "-q", "--force", "origin", "main", in: alice)
        #expect(push.succeeded)
        #expect(push.stderr.contains("refuge: this push overwrites main at \(fix.prefix(7)), which this clone has never fetched:"))
    }

    @Test("off: no check, no message")
    func off() throws {
        let box = try Sandbox()
        let (_, alice, _) = try box.divergedTeam()
        try box.git("config", "refuge.prePush", "off", in: alice)
        let push = try box.git("push", "-q", "--force-with-lease", "origin", "main", in: alice)
        #expect(push.succeeded && !push.stderr.contains("refuge:"))
    }
}
