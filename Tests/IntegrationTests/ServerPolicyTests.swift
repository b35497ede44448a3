import Foundation
import RefugeTestSupport
import Testing

/// refuge.protect on a server: forced updates and deletions of protected refs are refused in pre-receive
/// (which runs in quarantine) and recorded as rejected; refuge.allowForce names who may.
@Suite("Server policy")
struct ServerPolicyTests {
    /// A server protecting main and release/*, with alice's clone holding one pushed commit on each.
    func scene(_ box: Sandbox) throws -> (server: String, alice: String, tip: String) {
        let (server, clones) = try box.serverWithClones("alice")
        try box.git("config", "--add", "refuge.protect", "refs/heads/main", in: server)
        try box.git("config", "--add", "refuge.protect", "refs/heads/release/*", in: server)
        try box.git("config", "refuge.allowForce", "admin", in: server)
        let install = try box.refuge("install", in: server)
        #expect(install.stdout.contains("installed pre-receive"))
        let alice = clones[0]
        try box.commit("base", in: alice)
        let tip = try box.commit("shared work", in: alice)
        try box.git("push", "-q", "origin", "main", "main:release/1.0", "main:topic", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.commit("rewrite", in: alice)
        return (server, alice, tip)
    }

    @Test("a forced update of a protected ref is refused, names the dropped commit, and is recorded as rejected")
    func protectedForce() throws {
        let box = try Sandbox()
        let (server, alice, tip) = try scene(box)
        let push = try box.git("push", "-q", "--force", "origin", "main", in: alice,
                               environment: ["REMOTE_USER": "alice"], allowFailure: true)
        #expect(!push.succeeded)
        #expect(push.stderr.contains("refuge: refused: forced update of protected refs/heads/main (refuge.protect) by alice, who is not in refuge.allowForce"))
        #expect(push.stderr.contains("\(tip.prefix(7)) Alice <alice@example.com>  shared work"))
        #expect(try box.revParse("main", in: server) == tip)
        let rejected = try box.events(in: server).filter { $0.status == "rejected" }
        #expect(rejected.count == 1)
        #expect(rejected.first?.ref == "refs/heads/main")
        #expect(rejected.first?.pusher == "alice")
        #expect(rejected.first?.hook == "pre-receive")
        #expect(rejected.first?.kind == "forced")
        #expect(rejected.first?.dropped == 1)
        #expect(rejected.first?.reason?.hasPrefix("forced update of protected refs/heads/main") == true)
    }

    @Test("a pattern protects release/*; a deletion is refused too; unprotected refs may be forced")
    func patternsAndDeletion() throws {
        let box = try Sandbox()
        let (server, alice, tip) = try scene(box)
        let release = try box.git("push", "-q", "--force", "origin", "main:release/1.0", in: alice, allowFailure: true)
        #expect(!release.succeeded)
        let deletion = try box.git("push", "-q", "origin", ":release/1.0", in: alice, allowFailure: true)
        #expect(!deletion.succeeded && deletion.stderr.contains("refuge: refused: deletion of protected refs/heads/release/1.0"))
        #expect(try box.revParse("release/1.0", in: server) == tip)
        let topic = try box.git("push", "-q", "--force", "origin", "main:topic", in: alice)
        #expect(topic.succeeded)
        let events = try box.events(in: server)
        #expect(events.filter { $0.status == "rejected" }.compactMap { $0.kind } == ["forced", "delete"])
        #expect(events.filter { $0.ref == "refs/heads/topic" && $0.status == "accepted" }
            .compactMap { $0.kind } == ["create", "forced"])
    }

    @Test("an allow-listed pusher may force a protected ref")
    func allowListed() throws {
        let box = try Sandbox()
        let (server, alice, tip) = try scene(box)
        let push = try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "admin"])
        #expect(push.succeeded && !push.stderr.contains("refused"))
        #expect(try box.revParse("main", in: server) != tip)
        #expect(try box.events(in: server, "--forced").first?.pusher == "admin")
    }

    @Test("fast-forwards of protected refs pass; without refuge.protect no pre-receive is installed")
    func fastForwardAndDefault() throws {
        let box = try Sandbox()
        let (_, alice, _) = try scene(box)
        try box.git("pull", "-q", "--rebase", "origin", "main", in: alice)
        #expect(try box.git("push", "-q", "origin", "main", in: alice).succeeded)
        let plain = try Sandbox()
        let (plainServer, _) = try plain.serverWithClones("bob")
        #expect(!FileManager.default.fileExists(atPath: "\(plainServer)/hooks/pre-receive"))
    }

    @Test("an existing pre-receive keeps running first, and its refusal still stops the push")
    func chainedPreReceive() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let seen = box.path("seen")
        let original = "#!/bin/sh\ncat >> '\(seen)'\nexit ${FAIL:-0}\n"
        try original.write(toFile: "\(server)/hooks/pre-receive", atomically: true, encoding: .utf8)
        chmod("\(server)/hooks/pre-receive", 0o755)
        #expect(try box.refuge("install", "--policy", in: server).stdout.contains("kept as \(server)/hooks/refuge-chained/pre-receive"))
        let head = try box.commit("one", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(try String(contentsOfFile: seen, encoding: .utf8).contains("\(head) refs/heads/main"))
        try box.commit("two", in: clones[0])
        let refused = try box.git("push", "-q", "origin", "main", in: clones[0], environment: ["FAIL": "1"], allowFailure: true)
        #expect(!refused.succeeded)
        #expect(try box.revParse("main", in: server) == head)
    }
}
