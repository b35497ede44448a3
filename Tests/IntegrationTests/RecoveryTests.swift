import Foundation
import RefugeTestSupport
import Testing

/// After a bad force push, a reset or a deleted branch: pins keep the work, `recover` brings it back,
/// on real clones and a real bare server.
@Suite("Recovering overwritten and deleted branches")
struct RecoveryTests {
    /// `git-refuge recover ARGS --json`, decoded.
    func json(_ box: Sandbox, _ arguments: [String], in directory: String) throws -> (Sandbox.Result, RecoveryOutput) {
        let result = try box.run(box.refugeBinary, arguments + ["--json"], in: directory)
        return (result, Output.object(RecoveryOutput.self, from: result.stdout))
    }

    func lost(_ box: Sandbox, in directory: String, _ extra: String...) throws -> [LostRow] {
        let result = try box.run(box.refugeBinary, ["lost", "--json"] + extra, in: directory)
        #expect(result.succeeded, "lost failed: \(result.stderr)")
        return Output.array(LostRow.self, from: result.stdout)
    }

    /// Commits of `revision`, newest first, as `subject` lines.
    func subjects(_ box: Sandbox, _ revision: String, in directory: String) throws -> [String] {
        try box.git("log", "--format=%s", revision, in: directory).stdout.split(separator: "\n").map(String.init)
    }

    @Test("a server branch force-pushed over a teammate's commit: pinned at once, survives expire+gc, restored")
    func serverForcePushRestored() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam(fetch: false)
        let rewrite = try box.revParse("HEAD", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])

        // post-receive pinned Bob's fix before any drain; hidden from clients.
        #expect(try box.git("for-each-ref", "--format=%(refname) %(objectname)", "refs/refuge/", in: server).stdout
            == "refs/refuge/kept/\(fix) \(fix)\n")
        let advertised = try box.git("ls-remote", server, in: box.root).stdout
        #expect(!advertised.contains("refs/refuge"))
        #expect(advertised.contains("refs/heads/main"))
        // The admin expires every reflog and prunes: the pin still keeps the commit.
        try box.git("reflog", "expire", "--expire=now", "--all", in: server)
        try box.git("gc", "-q", "--prune=now", in: server)
        #expect(try box.git("cat-file", "-t", fix, in: server).stdout == "commit\n")

        let forced = try box.events(in: server, "--forced")
        #expect(forced.count == 1)
        let badID = forced[0].id ?? 0
        let lostRows = try lost(box, in: server)
        #expect(lostRows.count == 1)
        #expect(lostRows.first?.oid == fix)
        #expect(lostRows.first?.source == "pin")
        #expect(lostRows.first?.ref == "refs/heads/main")
        #expect(lostRows.first?.commits == 1)
        #expect(lostRows.first?.expires == nil)

        let (dry, plan) = try json(box, ["recover", "main", "--dry-run"], in: server)
        #expect(dry.succeeded, "\(dry.stderr)")
        #expect(plan.applied == false && plan.dryRun == true)
        #expect(plan.from == rewrite && plan.to == fix && plan.undoes == badID)
        #expect((plan.comesBack)?.map { $0.oid } == [fix])
        #expect((plan.leaves)?.map { $0.oid } == [rewrite])
        #expect(try box.revParse("refs/heads/main", in: server) == rewrite)  // dry: nothing moved

        let (done, outcome) = try json(box, ["recover", "main"], in: server)
        #expect(done.succeeded, "\(done.stderr)")
        #expect(try box.revParse("refs/heads/main", in: server) == fix)
        #expect(outcome.pin == "refs/refuge/kept/\(rewrite)")
        #expect(try box.revParse("refs/refuge/kept/\(rewrite)", in: server) == rewrite)  // Alice's work kept
        let recovery = try box.events(in: server).last
        #expect(recovery?.id == outcome.event)
        #expect(recovery?.hook == "recover" && recovery?.status == "done")
        #expect(recovery?.old == rewrite && recovery?.new == fix)
        #expect(recovery?.undoes == badID)
        #expect(recovery?.kind == "forced" && recovery?.dropped == 1)
        // The reflog says who moved it and why.
        #expect(try box.git("reflog", "-1", "--format=%gs", "main", in: server).stdout.hasPrefix("refuge recover: restored"))

        // Running it again changes nothing.
        let again = try box.refuge("recover", "main", in: server)
        #expect(again.status != 0 || again.stdout.contains("nothing to do"))
        #expect(try box.revParse("refs/heads/main", in: server) == fix)
    }

    @Test("the branch moved on after the bad push: refused, then --as, then --replay keeps both people's work")
    func movedOnThenAsThenReplay() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let next = try box.commit("alice's next", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)

        let refused = try box.refuge("recover", "main", in: server)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("moved since the forced update"))
        #expect(refused.stderr.contains("--as NEWREF") && refused.stderr.contains("--replay"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(try box.revParse("refs/heads/main", in: server) == next)

        let (asResult, asOutcome) = try json(box, ["recover", "main", "--as", "main-before-force"], in: server)
        #expect(asResult.succeeded, "\(asResult.stderr)")
        #expect(asOutcome.ref == "refs/heads/main-before-force")
        #expect(try box.revParse("refs/heads/main-before-force", in: server) == fix)
        #expect(try box.revParse("refs/heads/main", in: server) == next)
        #expect(try box.refuge("recover", "main", "--as", "main-before-force", in: server).status == 1)  // never overwrites

        let (replayResult, replayOutcome) = try json(box, ["recover", "main", "--replay"], in: server)
        #expect(replayResult.succeeded, "\(replayResult.stderr)")
        let replayed = replayOutcome.replayed
        #expect(replayed?.count == 1 && replayed?.first?.original == fix)
        let tip = try box.revParse("refs/heads/main", in: server)
        #expect(replayed?.first?.copy == tip)
        #expect(try box.revParse("\(tip)^", in: server) == next)  // on top of the current tip
        #expect(try subjects(box, "main", in: server) == ["bob's fix", "alice's next", "alice's work", "base"])
        #expect(try box.git("log", "-1", "--format=%an", "main", in: server).stdout == "Bob\n")  // author kept
        let recovery = try box.events(in: server).last
        #expect(recovery?.kind == "fast-forward" && recovery?.old == next && recovery?.new == tip)
    }

    @Test("replay with a conflict stops, changes nothing and names the commit and the file")
    func replayConflict() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try box.commit("base", in: alice, file: "shared.txt")
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("pull", "-q", "origin", "main", in: bob)
        let fix = try box.commit("bob edits shared", in: bob, file: "shared.txt")
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.commit("alice edits shared", in: alice, file: "shared.txt")
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let before = try box.revParse("refs/heads/main", in: server)
        let objectsBefore = try box.git("for-each-ref", in: server).stdout

        let result = try box.refuge("recover", "main", "--replay", in: server)
        #expect(result.status == 1)
        #expect(result.stderr.contains(String(fix.prefix(7))) && result.stderr.contains("bob edits shared"))
        #expect(result.stderr.contains("conflict in shared.txt"))
        #expect(try box.revParse("refs/heads/main", in: server) == before)
        #expect(try box.git("for-each-ref", in: server).stdout == objectsBefore)
        #expect(try box.events(in: server).allSatisfy { $0.hook != "recover" })
    }

    @Test("a deleted server branch is pinned by the hook and restored")
    func deletedServerBranch() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("checkout", "-q", "-b", "feature", in: alice)
        try box.commit("feature one", in: alice)
        let tip = try box.commit("feature two", in: alice)
        try box.git("push", "-q", "origin", "feature", in: alice)
        try box.git("push", "-q", "origin", ":feature", in: alice)
        try box.git("reflog", "expire", "--expire=now", "--all", in: server)
        try box.git("gc", "-q", "--prune=now", in: server)
        #expect(try box.git("cat-file", "-t", tip, in: server).stdout == "commit\n")

        let deletion = try box.events(in: server, "--kind", "delete")
        #expect(deletion.count == 1 && deletion.first?.dropped == 2)
        let result = try box.refuge("recover", "feature", in: server)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(try box.revParse("refs/heads/feature", in: server) == tip)
        let recovery = try box.events(in: server).last
        #expect(recovery?.kind == "create" && recovery?.old == nil && recovery?.new == tip)
        #expect(recovery?.undoes == deletion.first?.id)
    }

    @Test("a local branch -D, reflog gone and gc'd: lost finds it through the audit log and recover restores it")
    func localBranchDeleteWithoutReflog() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        let tip = try box.commit("topic work", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.git("branch", "-q", "-D", "topic", in: alice)
        #expect(!FileManager.default.fileExists(atPath: "\(alice)/.git/logs/refs/heads/topic"))
        try box.git("reflog", "expire", "--expire=now", "--all", in: alice)
        try box.git("gc", "-q", "--prune=now", in: alice)
        #expect(try box.git("cat-file", "-t", tip, in: alice).stdout == "commit\n")  // the hook's pin kept it

        let rows = try lost(box, in: alice)
        #expect(rows.count == 1)
        #expect(rows.first?.oid == tip)
        #expect((rows.first?.foundIn) == ["pin", "audit-log"])
        #expect(rows.first?.ref == "refs/heads/topic")
        let result = try box.refuge("recover", "topic", in: alice)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(try box.revParse("refs/heads/topic", in: alice) == tip)
        #expect(try lost(box, in: alice).isEmpty)
    }

    @Test("reset --hard HEAD~3 is found by lost (one chain of 3, from the reflog, with its expiry) and recovered")
    func resetFoundByLost() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.commit("one", in: alice)
        try box.commit("two", in: alice)
        let three = try box.commit("three", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~3", in: alice)
        let rows = try lost(box, in: alice)
        #expect(rows.count == 1)
        #expect(rows.first?.oid == three)
        #expect(rows.first?.commits == 3)
        #expect(rows.first?.summary == "three")
        #expect(rows.first?.author == "Alice <alice@example.com>")
        #expect(rows.first?.ref == "refs/heads/main" || rows.first?.ref == "HEAD")
        // The drain that ran before the scan pinned it: nothing expires.
        #expect(rows.first?.source == "pin" && rows.first?.expires == nil)
        // Without the pin, the reflog keeps it for gc.reflogExpireUnreachable (30 days by default).
        try box.git("update-ref", "-d", "refs/refuge/kept/\(three)", in: alice)
        let unpinned = try lost(box, in: alice)
        #expect(unpinned.first?.source == "reflog")
        let expires = unpinned.first?.expires.flatMap { ISO8601DateFormatter.withFractions.date(from: $0) }
        let days = (expires?.timeIntervalSinceNow ?? 0) / 86_400
        #expect(days > 29.9 && days <= 30.01)

        // A dirty checked-out branch is refused; once clean, the index and work tree follow the branch.
        try "edit\n".write(toFile: "\(alice)/\(try trackedFile(box, in: alice))", atomically: true, encoding: .utf8)
        let dirty = try box.refuge("recover", "main", in: alice)
        #expect(dirty.status == 1 && dirty.stderr.contains("uncommitted changes"))
        try box.git("checkout", "--", ".", in: alice)
        let result = try box.refuge("recover", "main", in: alice)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(try box.revParse("HEAD", in: alice) == three)
        #expect(try box.git("status", "--porcelain", in: alice).stdout.isEmpty)
        #expect(try subjects(box, "HEAD", in: alice) == ["three", "two", "one", "base"])
    }

    @Test("no record yet (Refuge installed after the reset): the reflog's last forced move is the target; --to OID --as works too")
    func reflogFallback() throws {
        let box = try Sandbox()
        let repo = box.path("plain")
        try box.git("init", "-q", repo, in: box.root)
        try box.commit("base", in: repo)
        let kept = try box.commit("kept", in: repo)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: repo)
        try box.commit("after", in: repo)
        let after = try box.revParse("HEAD", in: repo)

        // A commit came after the reset: the compare-and-swap refuses, naming the reflog entry.
        let refused = try box.refuge("recover", "main", "--dry-run", in: repo)
        #expect(refused.status == 1 && refused.stderr.contains("moved since the reflog entry refs/heads/main@{1} (reset: moving to HEAD~1"))
        let (dry, plan) = try json(box, ["recover", "main", "--dry-run", "--force"], in: repo)
        #expect(dry.succeeded, "\(dry.stderr)")
        #expect(plan.to == kept && plan.from == after && plan.undoes == nil)
        #expect(plan.basis?.hasPrefix("the reflog entry refs/heads/main@{1}") == true)

        let (made, outcome) = try json(box, ["recover", "main", "--to", String(kept.prefix(9)), "--as", "kept-copy"], in: repo)
        #expect(made.succeeded, "\(made.stderr)")
        #expect(outcome.ref == "refs/heads/kept-copy" && outcome.pin == nil)
        #expect(try box.revParse("refs/heads/kept-copy", in: repo) == kept)
        #expect(try box.revParse("HEAD", in: repo) == after)
        let recorded = try box.events(in: repo).last
        #expect(recorded?.kind == "create" && recorded?.hook == "recover" && recorded?.undoes == nil)
    }

    func trackedFile(_ box: Sandbox, in directory: String) throws -> String {
        String(try box.git("ls-files", in: directory).stdout.split(separator: "\n").first ?? "")
    }

    @Test("lost --all-objects finds a commit no reflog, log or pin ever named; git fsck agrees")
    func allObjects() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let tree = try box.revParse("HEAD^{tree}", in: alice)
        let dangling = try box.git("commit-tree", tree, "-p", "HEAD", "-m", "made by a script", in: alice).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try lost(box, in: alice).isEmpty)
        let rows = try lost(box, in: alice, "--all-objects")
        #expect(rows.map { $0.oid } == [dangling])
        #expect(rows.first?.source == "object-database")
        #expect(rows.first?.ref == nil)
        #expect(rows.first?.expires != nil)  // loose object: gc.pruneExpire after its mtime
        let fsck = try box.git("fsck", "--unreachable", "--no-reflogs", in: alice).stdout
        #expect(fsck.contains("unreachable commit \(dangling)"))
    }

    @Test("--push: published with a lease; refused, with nothing overwritten, when the remote moved in between")
    func pushWithLease() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        let good = try box.commit("good", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        // Alice resets by mistake and force-pushes the reset.
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let base = try box.revParse("HEAD", in: alice)

        // Bob pushes in between (after Alice's last fetch): the lease must refuse.
        try box.git("pull", "-q", "origin", "main", in: bob)
        let bobs = try box.commit("bob's", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        let (refused, refusedOutcome) = try json(box, ["recover", "main", "--push", "origin"], in: alice)
        #expect(refused.status == 1)
        #expect(refusedOutcome.applied == true)  // the local recovery stands
        #expect((refusedOutcome.push)?.pushed == false)
        #expect((refusedOutcome.push)?.expected == base)
        #expect(try box.revParse("refs/heads/main", in: server) == bobs)  // Bob's push not overwritten
        #expect(try box.revParse("refs/heads/main", in: alice) == good)

        // After a fetch, and with Bob's commit merged, the same push goes through.
        try box.git("pull", "-q", "--no-rebase", "--no-edit", "origin", "main", in: alice)
        let merged = try box.revParse("HEAD", in: alice)
        // `--to HEAD`: main already holds it, so only the push happens, through the same lease.
        let (pushed, pushedOutcome) = try json(box, ["recover", "main", "--to", "HEAD", "--push", "origin"], in: alice)
        #expect(pushed.succeeded, "\(pushed.stderr)")
        #expect(pushedOutcome.alreadyThere == true)
        #expect((pushedOutcome.push)?.pushed == true)
        #expect((pushedOutcome.push)?.expected == bobs)
        #expect(try box.revParse("refs/heads/main", in: server) == merged)
    }

    @Test("pins: invisible to ls-remote and clones, untouchable by pushes, removed by prune, which records it")
    func pinsHiddenAndPruned() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        #expect(try box.git("config", "--get-all", "transfer.hideRefs", in: server).stdout == "refs/refuge\n")
        #expect(!(try box.git("ls-remote", server, in: box.root).stdout.contains("refuge")))
        try box.git("clone", "-q", "--mirror", server, box.path("mirror.git"), in: box.root)
        #expect(try box.git("for-each-ref", "refs/refuge/", in: box.path("mirror.git")).stdout.isEmpty)
        let tamper = try box.git("push", "origin", ":refs/refuge/kept/\(fix)", in: alice, allowFailure: true)
        #expect(!tamper.succeeded)
        #expect(try box.revParse("refs/refuge/kept/\(fix)", in: server) == fix)

        let dry = try box.run(box.refugeBinary, ["prune", "--older-than", "now", "--dry-run", "--json"], in: server)
        let wouldRemove = try? Output.decode([PinRow].self, from: dry.stdout)
        #expect(wouldRemove?.map { $0.name } == ["refs/refuge/kept/\(fix)"])
        #expect(wouldRemove?.first?.reason == "forced")
        let forcedEvent = try box.events(in: server, "--forced").first?.id
        #expect(wouldRemove?.first?.event == forcedEvent && forcedEvent != nil)
        #expect(wouldRemove?.first?.sourceRef == "refs/heads/main")
        #expect(try box.revParse("refs/refuge/kept/\(fix)", in: server) == fix)
        let young = try box.run(box.refugeBinary, ["prune", "--json"], in: server)  // default: 90 days
        #expect(young.succeeded && (try? Output.decode([PinRow].self, from: young.stdout)) != nil)
        #expect((try? Output.decode([PinRow].self, from: young.stdout))?.count == 0)
        let pruned = try box.refuge("prune", "--older-than", "now", in: server)
        #expect(pruned.succeeded && pruned.stdout.contains("removed refs/refuge/kept/\(fix)"))
        #expect(try box.git("for-each-ref", "refs/refuge/", in: server).stdout.isEmpty)
        let rows = try lost(box, in: server)
        #expect(rows.map { $0.oid } == [fix])
        #expect(rows.first?.pin == nil && rows.first?.source == "reflog")
        // Uninstall keeps the config hiding pins only while pins remain: none do.
        try box.refuge("uninstall", in: server)
        #expect(try box.git("config", "--get-all", "transfer.hideRefs", in: server, allowFailure: true).stdout.isEmpty)
    }

    @Test("git gc and pack-refs delete loose copies of refs they pack: that pins nothing")
    func gcPinsNothing() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("branch", "topic", in: alice)
        try box.git("tag", "v1", in: alice)
        try box.git("push", "-q", "origin", "main", "topic", "v1", in: alice)
        try box.git("pack-refs", "--all", in: alice)
        try box.git("gc", "-q", in: alice)
        try box.git("gc", "-q", in: server)
        #expect(try box.git("for-each-ref", "refs/refuge/", in: alice).stdout.isEmpty)
        #expect(try box.git("for-each-ref", "refs/refuge/", in: server).stdout.isEmpty)
        #expect(try box.events(in: alice, "--forced").isEmpty)
        // A real deletion after packing is still pinned.
        let topic = try box.revParse("topic", in: alice)
        try box.git("branch", "-q", "-D", "topic", in: alice)
        #expect(try box.git("for-each-ref", "--format=%(refname)", "refs/refuge/", in: alice).stdout == "refs/refuge/kept/\(topic)\n")
    }

    @Test("--push to a URL (no remote-tracking ref): the recovery is applied and shown, then the push is refused")
    func pushWithoutTrackingRef() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        let kept = try box.commit("kept", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        let result = try box.refuge("recover", "main", "--push", server, in: alice)
        #expect(result.status == 1)
        #expect(result.stdout.contains("restored refs/heads/main"))
        #expect(result.stderr.contains("no remote-tracking ref maps it"))
        #expect(try box.revParse("refs/heads/main", in: alice) == kept)
    }

    @Test("clear errors: an unknown ref, an unknown event, another ref's event; nothing moves")
    func badRequests() throws {
        let box = try Sandbox()
        let (server, alice, _) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let before = try box.git("for-each-ref", in: server).stdout
        let unknown = try box.refuge("recover", "no-such-branch", in: server)
        #expect(unknown.status == 1 && unknown.stderr.hasPrefix("error: no ref named no-such-branch"))
        let noEvent = try box.refuge("recover", "main", "--to", "999", in: server)
        #expect(noEvent.status == 1 && noEvent.stderr.contains("no event #999"))
        let firstEvent = try box.events(in: server).first?.id ?? 0
        let created = try box.refuge("recover", "main", "--to", "\(firstEvent)", in: server)
        #expect(created.status == 1 && created.stderr.contains("created refs/heads/main"))
        let badRevision = try box.refuge("recover", "main", "--to", "deadbeefdeadbeef", in: server)
        #expect(badRevision.status == 1 && badRevision.stderr.contains("names no object"))
        let badName = try box.refuge("recover", "main", "--as", "bad..name", in: server)
        #expect(badName.status == 1 && badName.stderr.contains("not a valid ref name"))
        let usage = try box.refuge("recover", "main", "--replay", "--force", in: server)
        #expect(usage.status == 64)
        #expect(try box.git("for-each-ref", in: server).stdout == before)
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
