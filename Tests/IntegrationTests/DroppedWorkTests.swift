import Foundation
import RefugeTestSupport
import Testing

/// The person whose work a force push dropped hears of it: during the fetch that brings the forced
/// update, before the pull --rebase that would drop it from their branch too, from check and log, and the
/// server's report names them. Real server, real clones, real hooks.
@Suite("Telling the person whose work was dropped")
struct DroppedWorkTests {
    @Test("Bob pushes, Alice force-pushes over him: Bob's fetch warns, pull --rebase warns or refuses, replay restores, the report names Bob")
    func bobsStory() throws {
        let box = try Sandbox()
        let (server, alice, bob, _, fix) = try bobPushedAFix(box)
        let asAlice = ["REMOTE_USER": "alice"]

        // Fetches that drop nothing print nothing: a new branch, then a fast-forward of it.
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        try box.commit("topic 1", in: alice)
        try box.git("push", "-q", "origin", "topic", in: alice, environment: asAlice)
        let created = try box.git("fetch", "origin", in: bob)
        try box.commit("topic 2", in: alice)
        try box.git("push", "-q", "origin", "topic", in: alice, environment: asAlice)
        let fastForward = try box.git("fetch", "origin", in: bob)
        #expect(!created.stderr.contains("refuge:") && !fastForward.stderr.contains("refuge:"))
        #expect(fastForward.stderr.contains("origin/topic"))

        // Alice, who never fetched Bob's fix, force-pushes main.
        try box.git("checkout", "-q", "main", in: alice)
        let alicesWork = try box.commit("alice's work", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: asAlice)

        // Bob's fetch says what it dropped of his, who did it, and what to do.
        let fetch = try box.git("fetch", "origin", in: bob)
        let lines = fetch.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("refuge:") }
        #expect(lines.first == "refuge: origin/main was force-updated (\(fix.prefix(7))...\(alicesWork.prefix(7))) "
            + "and no longer has 1 commit of yours:")
        #expect(lines.contains { $0.hasPrefix("refuge:   \(fix.prefix(7)) bob's fix  (you pushed it ") })
        #expect(lines.contains { $0.hasPrefix("refuge: alice force-pushed it ") && $0.hasSuffix("(the server's audit log says so)") })
        #expect(lines.contains("refuge: main still has it. Safe next steps:"))
        #expect(lines.contains { $0.contains("do not git pull --rebase yet") && $0.contains("git rebase origin/main keeps it") })
        #expect(lines.contains { $0.contains("git refuge recover main --replay") })
        #expect(lines.contains("refuge:   tell alice, who force-pushed it, before pushing it again"))
        #expect(fetch.stderr.contains("(forced update)"))

        // check shows the same finding; log marks the update that did it.
        let (_, check) = try box.json(CheckFinding.self, ["check", "--json"], in: bob)
        let finding = try #require(check?.droppedUpstream?.first)
        #expect(check?.droppedUpstream?.count == 1)
        #expect(finding.trackingRef == "refs/remotes/origin/main" && finding.old == fix && finding.new == alicesWork)
        #expect(finding.yours?.map(\.oid) == [fix] && finding.yours?.first?.heldBy == ["main"])
        #expect(finding.forcedBy == "alice" && finding.dropped == 1)
        let log = try box.refuge("log", "--ref", "refs/remotes/origin/main", in: bob).stdout.split(separator: "\n")
        #expect(log.filter { $0.contains("<- dropped 1 of yours (\(fix.prefix(7)))") }.count == 1)
        #expect(log.last?.contains(" forced ") == true && log.last?.contains("<- dropped 1 of yours") == true)

        // With refuge.prePush=block, pull --rebase is refused before it drops the fix; --no-verify goes ahead.
        try box.git("config", "refuge.prePush", "block", in: bob)
        let refused = try box.git("pull", "--rebase", in: bob, allowFailure: true)
        #expect(!refused.succeeded)
        #expect(refused.stderr.contains("refuge: this rebase would drop 1 commit of yours from main that upstream no longer has"))
        #expect(refused.stderr.contains("refuge:   \(fix.prefix(7)) bob's fix"))
        #expect(refused.stderr.contains("refuge: rebase refused (refuge.prePush=block)"))
        #expect(refused.stderr.contains("refuge:   to keep it: git rebase origin/main instead"))
        #expect(try box.revParse("main", in: bob) == fix)

        // Warned (the default), the rebase goes ahead and drops it, as git's fork point makes it.
        try box.git("config", "--unset", "refuge.prePush", in: bob)
        let pulled = try box.git("pull", "--rebase", in: bob)
        #expect(pulled.stderr.contains("refuge: this rebase would drop 1 commit of yours from main"))
        #expect(pulled.stderr.contains("refuge: rebasing anyway (refuge.prePush=warn"))
        #expect(try box.revParse("main", in: bob) == alicesWork)

        // recover --replay puts it back on top of Alice's work.
        let replay = try box.refuge("recover", "main", "--replay", in: bob)
        #expect(replay.succeeded, "\(replay.stderr)")
        #expect(try box.gitOutput("log", "-1", "--format=%s", "main", in: bob) == "bob's fix")
        #expect(try box.revParse("main~1", in: bob) == alicesWork)

        // The server's report names Bob as the one whose pushed work Alice's force push dropped.
        let (_, report) = try box.json(ReportOutput.self, ["report", "--format", "json"], in: server)
        let dropped = try #require(report?.summary?.workDroppedFromPushers)
        #expect(dropped.count == 1)
        #expect(dropped.first?.forcedBy == "alice" && dropped.first?.pushedBy == "bob" && dropped.first?.ref == "refs/heads/main")
        #expect(dropped.first?.commits?.map(\.oid) == [fix] && dropped.first?.commits?.first?.state == "pinned")
        #expect(dropped.first?.summary?.hasPrefix("alice's force push of main at ") == true)
        #expect(dropped.first?.summary?.hasSuffix("dropped 1 of bob's commits, still lost") == true)
        let text = try box.refuge("report", in: server).stdout
        #expect(text.contains("Work dropped from people who pushed it"))
        #expect(text.contains("dropped 1 of bob's commits, still lost"))
    }

    @Test("a forced update that keeps a copy of your commit, or drops only someone else's, says nothing")
    func silentWhenNothingOfYoursIsLost() throws {
        let box = try Sandbox()
        let (_, alice, bob, base, fix) = try bobPushedAFix(box)
        // Alice rewrites main under Bob's fix and keeps a copy of it (the same patch).
        try box.git("fetch", "-q", "origin", in: alice)
        try box.git("reset", "-q", "--hard", base, in: alice)
        try box.commit("alice's first", in: alice)
        try box.git("cherry-pick", fix, in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let kept = try box.git("fetch", "origin", in: bob)
        #expect(kept.stderr.contains("(forced update)") && !kept.stderr.contains("refuge:"))
        // Alice amends her own pushed commit: only her work is dropped.
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "alice's first, reworded", in: alice)
        try box.git("cherry-pick", fix, in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let hers = try box.git("fetch", "origin", in: bob)
        #expect(hers.stderr.contains("(forced update)") && !hers.stderr.contains("refuge:"))
        // Nothing of Bob's is missing upstream: check reports no dropped work, and a rebase says nothing.
        let (_, check) = try box.json(CheckFinding.self, ["check", "--json"], in: bob)
        #expect(check?.droppedUpstream?.isEmpty == true)
        let pulled = try box.git("pull", "--rebase", in: bob)
        #expect(!pulled.stderr.contains("refuge:"))
    }
}

extension DroppedWorkTests {
    /// A server and Alice's and Bob's clones: Alice pushed a base commit (as `REMOTE_USER` alice), Bob
    /// pulled it, committed "bob's fix" and pushed it (as bob).
    func bobPushedAFix(_ box: Sandbox) throws -> (server: String, alice: String, bob: String, base: String, fix: String) {
        let (server, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        let base = try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])
        try box.git("pull", "-q", "origin", "main", in: bob)
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob, environment: ["REMOTE_USER": "bob"])
        return (server, alice, bob, base, fix)
    }

    /// Bob pushed a fix, Alice force-pushed main over it without fetching, Bob fetched.
    func forcedOverBob(_ box: Sandbox) throws -> (bob: String, fix: String, alicesWork: String) {
        let (_, alice, bob, _, fix) = try bobPushedAFix(box)
        let alicesWork = try box.commit("alice's work", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        try box.git("fetch", "-q", "origin", in: bob)
        return (bob, fix, alicesWork)
    }

    @Test("git rebase with a fork point is refused in block mode and --no-verify goes ahead; an upstream named, or --no-fork-point, keeps the fix")
    func rebaseForms() throws {
        let box = try Sandbox()
        let (bob, fix, alicesWork) = try forcedOverBob(box)
        try box.git("config", "refuge.prePush", "block", in: bob)
        // `git rebase` alone: the branch's upstream, with git's fork point (the old origin/main, Bob's fix).
        let refused = try box.git("rebase", in: bob, allowFailure: true)
        #expect(!refused.succeeded && refused.stderr.contains("refuge: rebase refused (refuge.prePush=block)"))
        #expect(refused.stderr.contains("refuge:   \(fix.prefix(7)) bob's fix"))
        #expect(try box.revParse("main", in: bob) == fix)
        // An upstream named: no fork point, git replays the fix onto it, and Refuge says nothing.
        let named = try box.git("rebase", "origin/main", in: bob)
        #expect(!named.stderr.contains("refuge:"))
        #expect(try box.revParse("main~1", in: bob) == alicesWork)
        #expect(try box.gitOutput("log", "-1", "--format=%s", "main", in: bob) == "bob's fix")
        // Back to the fix alone; rebase --no-fork-point keeps it too, silently.
        try box.git("reset", "-q", "--hard", fix, in: bob)
        let kept = try box.git("rebase", "--no-fork-point", in: bob)
        #expect(!kept.stderr.contains("refuge:"))
        #expect(try box.gitOutput("log", "-1", "--format=%s", "main", in: bob) == "bob's fix")
        // `git rebase --no-verify` skips the hook: the fix is dropped, as git's fork point makes it.
        try box.git("reset", "-q", "--hard", fix, in: bob)
        let skipped = try box.git("rebase", "--no-verify", in: bob)
        #expect(!skipped.stderr.contains("refuge:"))
        #expect(try box.revParse("main", in: bob) == alicesWork)
        // git pull --rebase --no-verify: pull does not pass it on; the check reads it and warns only.
        try box.git("reset", "-q", "--hard", fix, in: bob)
        let pulled = try box.git("pull", "--rebase", "--no-verify", in: bob)
        #expect(pulled.stderr.contains("refuge: rebasing anyway (--no-verify)"))
        #expect(try box.revParse("main", in: bob) == alicesWork)
    }

    @Test("rewriting your own work says nothing: a stacked branch rebased after your own force push, and a force push with --no-verify")
    func ownRewritesAreSilent() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("bob")
        let bob = clones[0]
        try box.commit("base", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.git("checkout", "-q", "-b", "feature", in: bob)
        try box.commit("feature 1", in: bob, file: "f.txt")
        try box.git("push", "-q", "-u", "origin", "feature", in: bob)
        try box.git("checkout", "-q", "-b", "feature2", "--track", "origin/feature", in: bob)
        try box.commit("feature 2", in: bob)
        // Bob reworks feature 1 (new content) and force-pushes it himself, skipping the pre-push check.
        try box.git("checkout", "-q", "feature", in: bob)
        try box.commit("feature 1, reworked", in: bob, file: "f.txt")
        try box.git("reset", "-q", "--soft", "HEAD~2", in: bob)
        try box.git("commit", "-q", "-m", "feature 1 (v2)", in: bob)
        try box.git("push", "-q", "--force", "--no-verify", "origin", "feature", in: bob)
        // The stacked branch rebases onto it: git drops the old feature 1 by its fork point, as Bob wants.
        try box.git("checkout", "-q", "feature2", in: bob)
        let rebased = try box.git("rebase", in: bob)
        #expect(!rebased.stderr.contains("refuge:"))
        #expect(try box.gitOutput("log", "-2", "--format=%s", in: bob) == "feature 2\nfeature 1 (v2)")
        let (_, check) = try box.json(CheckFinding.self, ["check", "feature", "--json"], in: bob)
        #expect(check?.droppedUpstream?.isEmpty == true)
        let log = try box.refuge("log", "--ref", "refs/remotes/origin/feature", in: bob).stdout
        #expect(!log.contains("of yours"))
    }

    @Test("an upstream reset to an older commit: git's fork point is the dropped tip, and the check names it")
    func resetToAncestor() throws {
        let box = try Sandbox()
        let (_, alice, bob, base, fix) = try bobPushedAFix(box)
        try box.git("push", "-q", "--force", "origin", "\(base):refs/heads/main", in: alice)
        let fetch = try box.git("fetch", "origin", in: bob)
        #expect(fetch.stderr.contains("refuge:   \(fix.prefix(7)) bob's fix"))
        try box.git("config", "refuge.prePush", "block", in: bob)
        let refused = try box.git("rebase", in: bob, allowFailure: true)
        #expect(!refused.succeeded && refused.stderr.contains("refuge:   \(fix.prefix(7)) bob's fix"))
        #expect(try box.revParse("main", in: bob) == fix)
    }

    @Test("a commit Bob pushed but did not write is his to hear about too")
    func pushedNotWritten() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("pull", "-q", "origin", "main", in: bob)
        try "carol's patch\n".write(toFile: "\(bob)/carol.txt", atomically: true, encoding: .utf8)
        try box.git("add", "carol.txt", in: bob)
        try box.git("commit", "-q", "--author", "Carol <carol@example.com>", "-m", "carol's patch", in: bob)
        let patch = try box.revParse("HEAD", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.commit("alice's work", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let fetch = try box.git("fetch", "origin", in: bob)
        #expect(fetch.stderr.contains("refuge:   \(patch.prefix(7)) carol's patch  (you pushed it "))
    }

    @Test("a branch you made on someone else's commit and pushed does not make their commit yours")
    func branchOnSomeoneElsesCommit() throws {
        let box = try Sandbox()
        let (_, alice, bob, _, fix) = try bobPushedAFix(box)
        // Alice fetches Bob's fix and pushes a new branch on it; then Bob rewrites main without it.
        try box.git("pull", "-q", "origin", "main", in: alice)
        try box.git("push", "-q", "origin", "main:refs/heads/feature", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: bob)
        try box.commit("bob's rework", in: bob)
        try box.git("push", "-q", "--force", "origin", "main", in: bob)
        // Alice's fetch: the forced update dropped Bob's fix, which Alice neither wrote nor brought.
        let fetch = try box.git("fetch", "origin", in: alice)
        #expect(fetch.stderr.contains("(forced update)") && !fetch.stderr.contains("refuge:"))
        let (_, check) = try box.json(CheckFinding.self, ["check", "--json"], in: alice)
        #expect(check?.droppedUpstream?.isEmpty == true)
        let log = try box.refuge("log", "--ref", "refs/remotes/origin/main", in: alice).stdout
        #expect(!log.contains("of yours") && log.contains(" forced "))
        #expect(try box.revParse("origin/feature", in: alice) == fix)
    }

    @Test("bad input to the hooks' commands: silent, exit 0, nothing changed")
    func badInput() throws {
        let box = try Sandbox()
        let (bob, fix, _) = try forcedOverBob(box)
        for input in ["", "garbage\n", "\(fix) nonsense refs/remotes/origin/main\n", "\(fix) \(fix) refs/remotes/origin/main\n"] {
            let check = try box.refuge("fetch-check", in: bob, input: input)
            #expect(check.succeeded && check.stderr.isEmpty && check.stdout.isEmpty)
        }
        for arguments in [["pre-rebase-check"], ["pre-rebase-check", "--", "no-such-revision"],
                          ["pre-rebase-check", "--git-process", "999999999", "--", "HEAD"]] {
            let check = try box.run(box.refugeBinary, arguments, in: bob)
            #expect(check.succeeded && check.stderr.isEmpty, "\(arguments): \(check.stderr)")
        }
        let outside = try box.refuge("fetch-check", in: box.root, input: "\(fix) \(fix) refs/remotes/origin/main\n")
        #expect(outside.succeeded && outside.stderr.isEmpty)
        #expect(try box.revParse("main", in: bob) == fix)
    }
}

/// `check --json`'s `dropped_upstream`.
struct CheckFinding: Decodable {
    struct Finding: Decodable {
        struct Commit: Decodable { let oid: String?; let heldBy: [String]?; let pushedAt: String? }
        let trackingRef, old, new, forcedBy: String?
        let dropped: Int?
        let yours: [Commit]?
    }
    let droppedUpstream: [Finding]?
}
