import Foundation
import GRDB
import RefugeTestSupport
import Testing

/// Refuge's hooks must not change what git does: no file of the repository written by a read, no warning
/// when nothing is wrong, no program started on ordinary ref work, and pins that git's purge can be told
/// about. Each story runs real git through the installed hooks (Scripts/git-compat runs git's own tests).
@Suite("Invisible to git")
struct InvisibleToGitTests {
    func json<T: Decodable>(_ type: T.Type, _ box: Sandbox, _ arguments: [String], in directory: String) throws -> (Sandbox.Result, T?) {
        try box.json(type, arguments + ["--json"], in: directory)
    }


    func exists(_ box: Sandbox, _ object: String, in directory: String) throws -> Bool {
        try box.git("cat-file", "-e", object, in: directory, allowFailure: true).succeeded
    }

    /// The purge git documents, run before any `git refuge` command could drain.
    func purge(_ box: Sandbox, in directory: String) throws {
        try box.git("reflog", "expire", "--expire=now", "--all", in: directory)
        try box.git("gc", "-q", "--prune=now", in: directory)
    }

    func spool(_ directory: String, gitDir: String = ".git") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(directory)/\(gitDir)/refuge/spool")) ?? []).sorted()
    }


    // MARK: 2. A warning only when something is wrong, and the pin at once

    @Test("deleting a dangling branch, a packed one beside it, and a self-referential symref: no warning, the real pin at once")
    func oddRefsNoWarning() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let kept = try box.commit("on packed", in: alice)
        try box.git("branch", "packed", in: alice)
        try box.git("pack-refs", "--all", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        // A branch whose commit this repository does not have (git's tests make them by hand, as here).
        try "\(String(repeating: "d", count: 40))\n".write(toFile: "\(alice)/.git/refs/heads/dangling", atomically: true, encoding: .utf8)
        let deleted = try box.git("branch", "-q", "-D", "packed", "dangling", in: alice)
        #expect(deleted.stderr.isEmpty, "\(deleted.stderr)")  // not a line: git's own output is all there is
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(kept)"])  // before any drain
        // A symbolic ref that points at itself: git gives it no old id; its text is no object id.
        try box.git("symbolic-ref", "refs/heads/loop", "refs/heads/loop", in: alice)
        let updated = try box.git("update-ref", "refs/heads/loop", kept, in: alice, allowFailure: true)
        #expect(!updated.stderr.contains("refuge") && !updated.stderr.contains("hooks/"), "\(updated.stderr)")
        let prepared = try spool(alice).filter { $0.hasPrefix("rt.") }
            .map { try String(contentsOfFile: "\(alice)/.git/refuge/spool/\($0)", encoding: .utf8) }.joined()
        #expect(!prepared.contains("ref: "), "\(prepared)")
        #expect(try box.refuge("drain", in: alice).succeeded)
        #expect(try box.events(in: alice, "--ref", "refs/heads/packed").last?.old == kept)
    }

    @Test("fetch --prune of packed remote-tracking refs on one commit: git's output only, and the pin at once")
    func pruneSaysNothing() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let tip = try box.commit("on two branches", in: alice)
        try box.git("push", "-q", "origin", "HEAD:refs/heads/one", "HEAD:refs/heads/two", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.git("pack-refs", "--all", in: alice)
        try box.git("push", "-q", "origin", ":refs/heads/one", ":refs/heads/two", in: alice)
        try box.git("update-ref", "refs/remotes/origin/one", tip, in: alice)   // as if fetched before the delete
        try box.git("update-ref", "refs/remotes/origin/two", tip, in: alice)
        try box.git("pack-refs", "--all", in: alice)
        let pruned = try box.git("fetch", "-q", "--prune", "origin", in: alice)
        #expect(pruned.stderr.isEmpty, "\(pruned.stderr)")
        #expect(try box.git("for-each-ref", "--format=%(refname)", "refs/remotes/origin/one", in: alice).stdout.isEmpty)
        #expect(try box.git("rev-parse", "--verify", "-q", "refs/refuge/kept/\(tip)", in: alice).stdout.hasPrefix(tip))
    }

    @Test("update-ref over a packed tag (no reflog), then pack-refs before any drain: the old value is still right")
    func packRefsKeepsStaleLine() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let first = try box.revParse("HEAD", in: alice)
        let second = try box.commit("second", in: alice)
        try box.git("tag", "v1", first, in: alice)
        try box.git("pack-refs", "--all", in: alice)
        try box.git("update-ref", "refs/tags/v1", second, in: alice)   // no old id; loose over a stale packed line; no reflog
        try box.git("pack-refs", "--all", in: alice)         // rewrites the stale line
        #expect(try box.refuge("drain", in: alice).succeeded)
        let moved = try box.events(in: alice, "--ref", "refs/tags/v1").last
        #expect(moved?.old == first && moved?.new == second)
        #expect(moved?.kind == "fast-forward")
    }

    @Test("a pin that cannot be made is one warning line, even when one deletion runs the hook twice")
    func oneWarningLine() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let tip = try box.commit("on gone", in: alice)
        try box.git("branch", "gone", in: alice)
        try box.git("pack-refs", "--all", in: alice)  // packed and loose: git deletes it in two transactions
        try box.git("update-ref", "refs/heads/gone", "HEAD", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        // No pin can be written: a ref named refs/refuge/kept is in the way (git refuses refs/refuge/kept/<oid>).
        try box.git("update-ref", "refs/refuge/kept", "HEAD", in: alice)
        // With its old id given, the deletion's own transaction asks for the pin too, after the packed one.
        let deleted = try box.git("update-ref", "-d", "refs/heads/gone", tip, in: alice)
        let warnings = deleted.stderr.split(separator: "\n").filter { $0.hasPrefix("refuge: warning:") }
        #expect(warnings == ["refuge: warning: cannot pin what a deletion dropped; git refuge drain will retry"], "\(deleted.stderr)")
        #expect(deleted.succeeded)
    }

    // MARK: 3. No program on ordinary ref work

    @Test("creating and deleting branches in a clone with packed-refs starts no drain; a packed ref updated, then deleted, keeps its old value")
    func noDrainStorm() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let base = try box.revParse("HEAD", in: alice)
        let next = try box.commit("next", in: alice)
        try box.git("branch", "old", base, in: alice)
        try box.git("pack-refs", "--all", in: alice)
        let before = spool(alice).filter { $0.hasPrefix("rt.") }.count
        for n in 0..<10 { try box.git("branch", "b\(n)", in: alice) }
        for n in 0..<10 { try box.git("branch", "-q", "-D", "b\(n)", in: alice) }
        // No drain ran: every git process's spool file is still waiting (a drain takes all but its own).
        #expect(spool(alice).filter { $0.hasPrefix("rt.") }.count >= before + 20)
        // Over a packed ref: the old value stays in packed-refs (and the reflog) for the drain...
        try box.git("branch", "-f", "old", next, in: alice)
        #expect(spool(alice).filter { $0.hasPrefix("rt.") }.count >= before + 21)
        // ...and deleting the ref takes both: the shim keeps the packed line in the spool, and still no drain.
        try box.git("branch", "-q", "-D", "old", in: alice)
        #expect(spool(alice).filter { $0.hasPrefix("rt.") }.count >= before + 22)
        #expect(try box.refuge("drain", in: alice).succeeded)
        let old = try box.events(in: alice, "--ref", "refs/heads/old")
        #expect(old.map { $0.kind } == ["create", "fast-forward", "delete"])
        #expect(old.dropFirst().first?.old == base && old.last?.old == next)
        #expect(try box.events(in: alice, "--ref", "refs/heads/b3").map { $0.kind } == ["create", "delete"])
    }

    // MARK: 5. Pins and git's purge

    @Test("the purge recipe on a clone: forget, then git's own purge deletes the secret; who forgot is recorded")
    func forgetOnClone() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("config", "user.name", "Alice", in: alice)
        let secret = try box.commit("add the password", in: alice, file: "password.txt")
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        #expect(try box.refuge("drain", in: alice).succeeded)
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(secret)"])
        try purge(box, in: alice)
        #expect(try exists(box, secret, in: alice), "a pin keeps it through git's purge: by design")

        let (dry, planned) = try json(ForgetOutput.self, box, ["forget", String(secret.prefix(10)), "--dry-run"], in: alice)
        #expect(dry.succeeded, "\(dry.stderr)")
        let plan = try #require(planned)
        #expect((plan.removed)?.map { $0.name } == ["refs/refuge/kept/\(secret)"])
        #expect((plan.released)?.map { $0.oid } == [secret])
        #expect(try box.pins(in: alice).count == 1)

        let forget = try box.refuge("forget", secret, in: alice)
        #expect(forget.succeeded, "\(forget.stderr)")
        #expect(forget.stdout.contains("removed refs/refuge/kept/\(secret)"))
        #expect(forget.stdout.contains("released 1 commit(s) that only these pins kept"))
        #expect(try box.pins(in: alice).isEmpty)
        try purge(box, in: alice)
        #expect(!(try exists(box, secret, in: alice)))
        #expect(try box.refuge("lost", in: alice).stdout.contains(String(secret.prefix(7))) == false)
        let removedBy = try DatabaseQueue(path: "\(alice)/.git/refuge/audit.db").read {
            try String.fetchOne($0, sql: "SELECT removed_by FROM pin WHERE target = ?", arguments: [secret])
        }
        #expect(removedBy == "forget by Alice")
    }

    @Test("the purge recipe on a server: the pin post-receive made at once goes, and gc deletes the pushed secret")
    func forgetOnServer() throws {
        let box = try Sandbox()
        let (server, alice) = try box.pushedClone()
        let secret = try box.commit("add the token", in: alice, file: "token.txt")
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        #expect(try box.pins(in: server) == ["refs/refuge/kept/\(secret)"])
        let forget = try box.refuge("forget", secret, in: server)
        #expect(forget.succeeded, "\(forget.stderr)")
        try purge(box, in: server)
        #expect(!(try exists(box, secret, in: server)))
    }

    @Test("forget refuses what it cannot do: an unknown name changes nothing; a commit no pin keeps is an error")
    func forgetBadInput() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let dropped = try box.commit("dropped", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        #expect(try box.refuge("drain", in: alice).succeeded)
        let unknown = try box.refuge("forget", dropped, "no-such-commit", in: alice)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("error: no-such-commit names no commit in this repository"), "\(unknown.stderr)")
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(dropped)"])
        let head = try box.revParse("HEAD", in: alice)
        let live = try box.refuge("forget", head, in: alice)
        #expect(live.status == 1)
        #expect(live.stderr.contains("error: \(head.prefix(7)) is still on a ref"), "\(live.stderr)")  // a pin keeps it too
        #expect(!live.stdout.contains("removed"), "\(live.stdout)")
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(dropped)"])
    }

    // MARK: 6. Work left on a detached HEAD

    @Test("commits left on a detached HEAD survive git's purge before any drain, and lost names them")
    func detachedHeadKept() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("checkout", "-q", "--detach", in: alice)
        try box.commit("spike one", in: alice)
        let spike = try box.commit("spike two", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(spike)"])  // by post-checkout, at once
        try purge(box, in: alice)
        #expect(try exists(box, spike, in: alice))
        let (result, listed) = try json([LostRow].self, box, ["lost"], in: alice)
        #expect(result.succeeded, "\(result.stderr)")
        let lost = listed ?? []
        #expect(lost.map { $0.oid } == [spike])
        #expect(lost.first?.held == "detached HEAD" && lost.first?.commits == 2)
        // The move back to the branch is in the log, as HEAD's, seen by post-checkout.
        let head = try box.events(in: alice, "--ref", "HEAD", "--status", "done").last
        #expect(head?.old == spike && head?.hook == "post-checkout")
    }

    @Test("an empty commit left on a detached HEAD is lost work, not a copy of another empty commit")
    func emptyCommitIsNoCopy() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("commit", "-q", "--allow-empty", "-m", "an empty base", in: alice)
        try box.git("checkout", "-q", "--detach", in: alice)
        try box.git("commit", "-q", "--allow-empty", "-m", "a note to self", in: alice)
        let note = try box.revParse("HEAD", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        let (result, listed) = try json([LostRow].self, box, ["lost"], in: alice)
        #expect(result.succeeded, "\(result.stderr)")
        let lost = listed ?? []
        #expect(lost.map { $0.oid } == [note])
        #expect(lost.first?.state == "lost" && lost.first?.held == "detached HEAD")
    }

    @Test("a detached HEAD moved off its commits by checkout or reset: the drain pins them; a branch switch pins nothing")
    func detachedHeadMoves() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let base = try box.revParse("HEAD", in: alice)
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        try box.commit("on topic", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.git("checkout", "-q", "topic", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        #expect(try box.pins(in: alice).isEmpty)  // switching branches keeps nothing: nothing was left
        try box.git("checkout", "-q", "--detach", in: alice)
        let first = try box.commit("first try", in: alice)
        try box.git("checkout", "-q", "--detach", base, in: alice)  // detached to detached: a transaction
        let second = try box.commit("second try", in: alice)
        try box.git("reset", "-q", "--hard", base, in: alice)         // a reset on a detached HEAD
        #expect(try box.pins(in: alice).contains("refs/refuge/kept/\(first)"))  // post-checkout saw it leave
        #expect(try box.refuge("drain", in: alice).succeeded)
        #expect(Set(try box.pins(in: alice)) == ["refs/refuge/kept/\(first)", "refs/refuge/kept/\(second)"])
        try purge(box, in: alice)
        #expect(try exists(box, second, in: alice))
    }
}
