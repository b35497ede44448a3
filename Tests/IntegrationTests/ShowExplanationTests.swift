import Foundation
import RefugeTestSupport
import Testing

/// `show` tells, for each dropped commit, whether another ref still has it, whether the update rewrote it
/// (same patch in the new history), or whether it is gone: a rebase is told apart from lost work.
@Suite("Explaining dropped commits")
struct ShowExplanationTests {
    func droppedCommits(_ box: Sandbox, in repository: String, eventOn ref: String) throws -> [EventDetail.DroppedCommit] {
        let event = try #require(try box.events(in: repository, "--ref", ref, "--forced").last)
        let (_, detail) = try box.json(EventDetail.self, ["show", "\(event.id ?? 0)", "--json"], in: repository)
        return try #require(detail?.droppedCommits)
    }

    @Test("a rebase: each dropped commit is paired with its rewritten copy; a backup branch still reaches them")
    func rebase() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("checkout", "-q", "-b", "feature", in: alice)
        let x = try box.commit("feature x", in: alice)
        let y = try box.commit("feature y", in: alice)
        try box.git("branch", "backup", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.commit("upstream moved", in: alice)
        try box.git("checkout", "-q", "feature", in: alice)
        try box.git("rebase", "-q", "main", in: alice)
        let newY = try box.revParse("HEAD", in: alice)
        let newX = try box.revParse("HEAD~1", in: alice)

        let dropped = try droppedCommits(box, in: alice, eventOn: "feature")
        #expect(dropped.compactMap { $0.oid } == [y, x])
        #expect(dropped.compactMap { $0.rewrittenAs } == [newY, newX])
        #expect(dropped.allSatisfy { $0.state == "reachable" })
        #expect(dropped.allSatisfy { $0.reachableFrom == ["refs/heads/backup"] })
    }

    @Test("a reset over unpushed work: no ref reaches the commit, a pin keeps it, nothing rewrote it")
    func lostWork() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let lost = try box.commit("lost", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        let dropped = try droppedCommits(box, in: alice, eventOn: "main")
        #expect(dropped.count == 1)
        #expect(dropped.first?.oid == lost)
        #expect(dropped.first?.state == "pinned")
        #expect(dropped.first?.rewrittenAs == nil)
        #expect(dropped.first?.reachableFrom == [])
        #expect(dropped.first?.pinnedBy == ["refs/refuge/kept/\(lost)"])
        let text = try box.refuge("show", "\(try box.events(in: alice, "--forced").last?.id ?? 0)", in: alice)
        #expect(text.stdout.contains("pinned: kept by refs/refuge/kept/\(lost)"))
        // Without the pin, nothing would keep it.
        try box.git("update-ref", "-d", "refs/refuge/kept/\(lost)", in: alice)
        let after = try droppedCommits(box, in: alice, eventOn: "main")
        #expect(after.first?.state == "gone")
        let again = try box.refuge("show", "\(try box.events(in: alice, "--forced").last?.id ?? 0)", in: alice)
        #expect(again.stdout.contains("gone: no ref reaches it"))
    }

    @Test("a force push on the server: the teammate's commit is still on another branch of the server")
    func serverKeepsElsewhere() throws {
        let box = try Sandbox()
        let (server, alice, bob) = try box.sharedMain("alice", "bob")
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", "main:bob/fix", in: bob)
        try box.commit("alice's rewrite", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let dropped = try droppedCommits(box, in: server, eventOn: "main")
        #expect(dropped.compactMap { $0.oid } == [fix])
        #expect(dropped.first?.reachableFrom == ["refs/heads/bob/fix"])
    }
}
