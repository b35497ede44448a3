import Foundation
import Synchronization
import RefugeTestSupport
import Testing

/// Real pushes from real clones to a real bare server, through the hooks `git refuge install` wrote.
@Suite("Recording pushes")
struct PushRecordingTests {
    @Test("a creation, then a fast-forward: server accepts, client confirms, exact ids")
    func createThenFastForward() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        let first = try box.commit("one", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let second = try box.commit("two", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)

        let serverEvents = try box.events(in: server, "--side", "server")
        #expect(serverEvents.count == 2)
        #expect(serverEvents.map { $0.kind } == ["create", "fast-forward"])
        #expect(serverEvents[0].old == nil && serverEvents[0].new == first)
        #expect(serverEvents[1].old == first && serverEvents[1].new == second)
        #expect(serverEvents.allSatisfy { $0.status == "accepted" && $0.dropped == 0 })
        #expect(serverEvents.allSatisfy { $0.ref == "refs/heads/main" && $0.hook == "post-receive" })
        // Nothing else: receive-pack's own ref writes are not recorded twice as local updates.
        #expect(try box.events(in: server).count == 2)

        let clientEvents = try box.events(in: alice, "--side", "client")
        #expect(clientEvents.count == 2)
        #expect(clientEvents.map { $0.status } == ["confirmed", "confirmed"])
        #expect(clientEvents.map { $0.remote } == ["origin", "origin"])
        #expect(clientEvents[1].old == first && clientEvents[1].new == second)
        #expect(clientEvents[1].kind == "fast-forward")
        // The tracking-ref updates confirm the pushes; they are not listed again.
        #expect(try box.events(in: alice, "--ref", "refs/remotes/origin/main").isEmpty)
    }

    @Test("--force over a teammate's commit: server dropped 1; the pusher, who never fetched it, dropped null")
    func forcePushDropsTeammateCommit() throws {
        let box = try Sandbox()
        let (server, alice, bobsWork) = try box.divergedTeam(fetch: false)
        let rewrite = try box.revParse("HEAD", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])

        let forced = try box.events(in: server, "--forced")
        #expect(forced.count == 1)
        #expect(forced.first?.kind == "forced")
        #expect(forced.first?.old == bobsWork)
        #expect(forced.first?.new == rewrite)
        #expect(forced.first?.dropped == 1)
        #expect(forced.first?.pusher == "alice")

        let (_, detail) = try box.json(EventDetail.self, ["show", "\(forced.first?.id ?? 0)", "--json"], in: server)
        let dropped = detail?.droppedCommits
        #expect(dropped?.count == 1)
        #expect(dropped?.first?.oid == bobsWork)
        #expect(dropped?.first?.summary == "bob's fix")
        #expect(dropped?.first?.author == "Bob <bob@example.com>")

        let client = try box.events(in: alice, "--side", "client", "--forced")
        #expect(client.count == 1)
        #expect(client.first?.old == bobsWork)
        #expect(client.first?.dropped == nil)
        #expect(client.first?.status == "confirmed")
    }

    @Test("deleting a remote branch: server delete counts commits no other ref keeps")
    func deletion() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        try box.commit("topic 1", in: alice)
        let tip = try box.commit("topic 2", in: alice)
        try box.git("push", "-q", "origin", "topic", in: alice)
        try box.git("push", "-q", "origin", ":topic", in: alice)

        let deletions = try box.events(in: server, "--kind", "delete")
        #expect(deletions.count == 1)
        #expect(deletions.first?.old == tip)
        #expect(deletions.first?.new == nil)
        #expect(deletions.first?.dropped == 2)

        let client = try box.events(in: alice, "--side", "client", "--kind", "delete")
        #expect(client.count == 1)
        #expect(client.first?.status == "confirmed")
        #expect(client.first?.localRef == nil)
        // The clone still has the commits on its local branch.
        #expect(client.first?.dropped == 0)
    }

    @Test("a push refused for a stale lease is not recorded anywhere")
    func staleLeaseRefused() throws {
        let box = try Sandbox()
        let (server, alice, bob) = try box.sharedMain("alice", "bob")
        let expected = try box.revParse("origin/main", in: alice)
        try box.commit("bob", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.git("commit", "-q", "--amend", "-m", "amended", in: alice)
        let push = try box.git("push", "-q", "--force-with-lease=main:\(expected)", "origin", "main", in: alice, allowFailure: true)
        #expect(!push.succeeded)
        // The lease held `expected`, but the server has bob's commit: git refuses before pre-push.
        #expect(try box.events(in: alice, "--side", "client").count == 1)  // only the first push
        #expect(try box.events(in: server, "--forced").isEmpty)
    }

    @Test("--dry-run is recorded as attempted and never confirmed")
    func dryRun() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        let head = try box.commit("base", in: alice)
        try box.git("push", "-q", "--dry-run", "origin", "main", in: alice)
        let client = try box.events(in: alice, "--side", "client")
        #expect(client.count == 1)
        #expect(client.first?.status == "attempted")
        #expect(client.first?.new == head)
        #expect(try box.events(in: server).isEmpty)
    }

    @Test("a push partly refused by the server (receive.denyDeletes): only the accepted ref is confirmed")
    func partlyRefused() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", "main:old", in: alice)
        try box.git("config", "receive.denyDeletes", "true", in: server)
        let created = try box.commit("new", in: alice)
        let push = try box.git("push", "-q", "origin", "main:fresh", ":old", in: alice, allowFailure: true)
        #expect(!push.succeeded)

        let serverEvents = try box.events(in: server)
        #expect(serverEvents.filter { $0.ref == "refs/heads/old" }.count == 1)  // its creation only
        #expect(serverEvents.filter { $0.ref == "refs/heads/fresh" }.map { $0.new } == [created])

        let client = try box.events(in: alice, "--side", "client")
        let fresh = client.filter { $0.ref == "refs/heads/fresh" }
        let deletion = client.filter { $0.kind == "delete" }
        #expect(fresh.map { $0.status } == ["confirmed"])
        #expect(deletion.map { $0.status } == ["attempted"])
    }

    @Test("tags: an annotated tag is peeled; a forced tag move is classified and counted")
    func tags() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("one", in: alice)
        let two = try box.commit("two", in: alice)
        try box.git("tag", "-a", "-m", "release", "v1", in: alice)
        try box.git("push", "-q", "origin", "main", "v1", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        let three = try box.commit("three", in: alice)
        try box.git("tag", "-f", "-a", "-m", "release again", "v1", in: alice)
        try box.git("push", "-q", "--force", "origin", "v1", in: alice)

        let tagEvents = try box.events(in: server, "--ref", "v1")
        #expect(tagEvents.map { $0.kind } == ["create", "forced"])
        #expect(tagEvents.last?.dropped == 1)  // commit `two` is no longer reachable from the tag
        // Tag objects are recorded as git names them (the tag object's id), not the peeled commit.
        #expect(tagEvents.last?.new != three)
        #expect(tagEvents.last?.new == (try box.revParse("v1", in: alice)))
        _ = two
    }

    @Test("500 refs in one push: 500 accepted rows sharing one batch, 500 confirmed on the client")
    func fiveHundredRefs() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let commands = (0..<500).map { "create refs/heads/b\($0) HEAD\n" }.joined()
        try box.git("update-ref", "--stdin", in: alice, input: commands.replacingOccurrences(of: "HEAD", with: try box.revParse("HEAD", in: alice)))
        try box.git("push", "-q", "origin", "refs/heads/*:refs/heads/*", in: alice)

        let serverEvents = try box.events(in: server, "--side", "server")
        #expect(serverEvents.count == 501)
        #expect(Set(serverEvents.compactMap { $0.batch }).count == 1)
        #expect(Set(serverEvents.compactMap { $0.ref }).count == 501)
        let client = try box.events(in: alice, "--side", "client")
        #expect(client.count == 501)
        #expect(client.allSatisfy { $0.status == "confirmed" })
    }

    @Test("concurrent pushes from several clones: every update once, none twice")
    func concurrentPushes() throws {
        let box = try Sandbox()
        let names = ["c0", "c1", "c2", "c3"]
        let (server, clones) = try box.serverWithClones("c0", "c1", "c2", "c3")
        for (index, clone) in clones.enumerated() { try box.commit("root \(index)", in: clone) }
        let pushesPerClone = 5
        let group = DispatchGroup()
        let failures = Mutex<[String]>([])
        for (index, clone) in clones.enumerated() {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for push in 0..<pushesPerClone {
                    let result = try? box.run("git", ["push", "-q", "origin", "HEAD:refs/heads/\(names[index])-\(push)"], in: clone)
                    if result?.succeeded != true {
                        failures.withLock { $0.append("\(names[index])-\(push): \(result?.stderr ?? "")") }
                    }
                }
            }
        }
        group.wait()
        let failed = failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed)")
        let serverEvents = try box.events(in: server, "--side", "server")
        #expect(serverEvents.count == clones.count * pushesPerClone)
        #expect(Set(serverEvents.compactMap { $0.ref }).count == clones.count * pushesPerClone)
        #expect(try box.events(in: server).count == clones.count * pushesPerClone)
    }

    @Test("post-receive records the pusher and push options")
    func pusherAndOptions() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.git("config", "receive.advertisePushOptions", "true", in: server)
        try box.commit("base", in: clones[0])
        try box.git("push", "-q", "-o", "ci.skip", "-o", "reason=hotfix", "origin", "main", in: clones[0],
                    environment: ["GL_USER": "alice-gl", "REMOTE_USER": "ignored"])
        let event = try box.events(in: server).first
        #expect(event?.pusher == "alice-gl")
        #expect(event?.pushOptions == ["ci.skip", "reason=hotfix"])
    }

    @Test("credentials in a push URL are never stored")
    func credentialsStripped() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        // pre-push receives the URL as typed; the installed shim is run directly so no network is needed.
        let head = try box.revParse("HEAD", in: alice)
        let zero = String(repeating: "0", count: 40)
        let url = "https://u:s3cret@example.com/r.git?token=abc"
        let result = try box.runHook("\(alice)/.git/hooks/pre-push", [url, url], in: alice,
                                 input: "refs/heads/main \(head) refs/heads/main \(zero)\n")
        #expect(result.succeeded && result.stderr.isEmpty)
        for file in try FileManager.default.contentsOfDirectory(atPath: "\(alice)/.git/refuge/spool") {
            let spooled = try String(contentsOfFile: "\(alice)/.git/refuge/spool/\(file)", encoding: .utf8)
            #expect(!spooled.contains("s3cret") && !spooled.contains("token=abc"))
        }
        let event = try box.events(in: alice, "--side", "client").first
        #expect(event?.url == "https://example.com/r.git")
        #expect(event?.remote == nil)  // pushed to a URL, not a named remote
        #expect(event?.status == "attempted")
        for file in ["audit.db", "audit.db-wal"] {
            let bytes = (try? String(contentsOfFile: "\(alice)/.git/refuge/\(file)", encoding: .isoLatin1)) ?? ""
            #expect(!bytes.contains("s3cret") && !bytes.contains("token=abc"))
        }
    }
}
