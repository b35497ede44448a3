import Foundation
import RefugeTestSupport
import Testing

/// `git refuge check`: git's --force-if-includes rule, on the situations of git's t5533-push-cas.
@Suite("Checking before a force push")
struct CheckTests {
    func check(_ box: Sandbox, in clone: String, _ arguments: String...) throws -> (status: Int32, json: CheckOutput) {
        let result = try box.run(box.refugeBinary, ["check", "--json"] + arguments, in: clone)
        return (result.status, try Output.decode(CheckOutput.self, from: result.stdout))
    }

    @Test("a lease after a background fetch: bob's commit was never integrated; check fails and names it")
    func backgroundFetchHazard() throws {
        let box = try Sandbox()
        let (_, alice, fix) = try box.divergedTeam()
        let (status, json) = try check(box, in: alice)
        #expect(status == 1)
        #expect(json.safeToForce == false)
        #expect(json.ahead == 1 && json.behind == 1)
        let drop = json.wouldDrop
        #expect(drop?.compactMap { $0.oid } == [fix])
        #expect(drop?.first?.neverIntegrated == true)
        let moved = json.lastMoved
        #expect(moved?.how == "fetch")
        let text = try box.refuge("check", in: alice)
        #expect(text.stdout.contains("never integrated"))
        #expect(text.stdout.contains("safe next steps: git rebase origin/main"))
    }

    @Test("after rebasing onto the moved upstream (pull --rebase), nothing would be dropped")
    func rebasedOntoUpstream() throws {
        let box = try Sandbox()
        let (_, alice, _) = try box.divergedTeam()
        try box.git("rebase", "-q", "origin/main", in: alice)
        let (status, json) = try check(box, in: alice)
        #expect(status == 0)
        #expect((json.wouldDrop)?.isEmpty == true)
        #expect(json.safeToForce == true)
    }

    @Test("amending your own pushed commit: it would be dropped, but the branch had it: safe")
    func amendOwnWork() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let pushed = try box.commit("typo", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "no typo", in: alice)
        let (status, json) = try check(box, in: alice, "main", "--remote", "origin")
        #expect(status == 0)
        let drop = json.wouldDrop
        #expect(drop?.compactMap { $0.oid } == [pushed])
        #expect(drop?.first?.neverIntegrated == false)
        let moved = json.lastMoved
        #expect(moved?.how == "push")
    }

    @Test("a branch without upstream: one clear line and exit 1")
    func noUpstream() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        try box.git("checkout", "-q", "-b", "local-only", in: clones[0])
        let result = try box.refuge("check", in: clones[0])
        #expect(result.status == 1)
        #expect(result.stderr == "error: local-only has no upstream; pass --remote R, or set one with git branch --set-upstream-to\n")
    }
}
