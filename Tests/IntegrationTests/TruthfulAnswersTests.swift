import Foundation
import RefugeTestSupport
import Testing

/// Everyday work must give true answers: a rebase is one rewrite, a popped stash is not lost, a recovered
/// commit is recovered everywhere, a push git refuses is no force push, a moved repository keeps its history.
/// Each story runs real git on real clones and servers through the installed hooks.
@Suite("Truthful answers in everyday work")
struct TruthfulAnswersTests {
    // MARK: Helpers

    func array(_ box: Sandbox, _ arguments: [String], in directory: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> [LostRow]
    {
        let result = try box.run(box.refugeBinary, arguments + ["--json"], in: directory)
        #expect(result.succeeded, "\(arguments) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return Output.array(LostRow.self, from: result.stdout)
    }

    func object<T: Decodable>(_ type: T.Type, _ box: Sandbox, _ arguments: [String], in directory: String) throws -> (Sandbox.Result, T) {
        let result = try box.run(box.refugeBinary, arguments + ["--json"], in: directory)
        return (result, Output.object(type, from: result.stdout))
    }

    func report(_ box: Sandbox, in directory: String, _ extra: String...) throws -> ReportOutput {
        let result = try box.run(box.refugeBinary, ["report", "--format", "json"] + extra, in: directory)
        #expect(result.succeeded, "report failed: \(result.stderr)")
        return Output.object(ReportOutput.self, from: result.stdout)
    }

    /// `by_kind` and `by_side` as they are (name → count); a ranking (`most_rewritten_refs` by `ref`,
    /// `top_force_pushers` by `pusher`) as name → count.
    func counts(_ section: ReportOutput.Section?, _ key: String) -> [String: Int] {
        switch key {
        case "by_kind": return section?.byKind ?? [:]
        case "by_side": return section?.bySide ?? [:]
        case "most_rewritten_refs":
            return Dictionary((section?.mostRewrittenRefs ?? []).map { ($0.ref ?? "", $0.count ?? -1) }) { a, _ in a }
        default:
            return Dictionary((section?.topForcePushers ?? []).map { ($0.pusher ?? "", $0.count ?? -1) }) { a, _ in a }
        }
    }


    // MARK: 0. Once, beside the server's own hooks

    @Test("a forge-style post-receive that dispatches on its own name keeps working, and each push is one server row")
    func forgeHooksChained() throws {
        let box = try Sandbox()
        let server = box.path("server.git")
        try box.git("init", "--bare", "-q", server, in: box.root)
        // As forges generate it: dispatch on the hook's own name to <name>.d/* beside it.
        let dispatcher = """
            #!/bin/sh
            hookname=$(basename "$0")
            data=$(cat)
            for hook in "$(dirname "$0")/${hookname}.d"/*; do
              [ -x "$hook" ] || continue
              printf '%s\\n' "$data" | "$hook" "$@" || exit 1
            done
            exit 0
            """
        try dispatcher.write(toFile: "\(server)/hooks/post-receive", atomically: true, encoding: .utf8)
        chmod("\(server)/hooks/post-receive", 0o755)
        try FileManager.default.createDirectory(atPath: "\(server)/hooks/post-receive.d", withIntermediateDirectories: true)
        let seen = box.path("seen.txt")
        try "#!/bin/sh\ncat >> '\(seen)'\n".write(toFile: "\(server)/hooks/post-receive.d/ci", atomically: true, encoding: .utf8)
        chmod("\(server)/hooks/post-receive.d/ci", 0o755)
        // Chained, as the plain layout does (by default, a post-receive.d/ makes it dot-d: ServerLayoutTests).
        let install = try box.refuge("install", "--layout", "plain", in: server)
        #expect(install.succeeded, "\(install.stderr)")
        #expect(FileManager.default.fileExists(atPath: "\(server)/hooks/refuge-chained/post-receive"))

        let alice = box.path("alice")
        try box.git("clone", "-q", server, alice, in: box.root)
        let first = try box.commit("one", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])
        let second = try box.commit("two", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])

        // The forge's own hook ran for both pushes with git's input.
        let zero = String(repeating: "0", count: 40)
        #expect(try String(contentsOfFile: seen, encoding: .utf8)
            == "\(zero) \(first) refs/heads/main\n\(first) \(second) refs/heads/main\n")
        // Exactly one row per accepted update, by the real pusher; no local duplicate.
        let events = try box.events(in: server)
        #expect(events.map { $0.side } == ["server", "server"])
        #expect(events.map { $0.pusher } == ["alice", "alice"])
        #expect(events.map { $0.new } == [first, second])
        #expect(events.map { $0.status } == ["accepted", "accepted"])

        // uninstall puts it back under its own name.
        try box.refuge("uninstall", in: server)
        #expect(try String(contentsOfFile: "\(server)/hooks/post-receive", encoding: .utf8) == dispatcher)
        #expect(!FileManager.default.fileExists(atPath: "\(server)/hooks/refuge-chained"))
    }

    @Test("a hook chained by an earlier Refuge (<hook>.refuge-chained) moves to refuge-chained/ on install")
    func legacyChainedHookMoves() throws {
        let box = try Sandbox()
        let (_, clone) = try box.pushedClone()
        let hooks = "\(clone)/.git/hooks"
        let marker = box.path("ran")
        try "#!/bin/sh\ncat >/dev/null\ntouch '\(marker)'\n".write(
            toFile: "\(hooks)/pre-push.refuge-chained", atomically: true, encoding: .utf8)
        chmod("\(hooks)/pre-push.refuge-chained", 0o755)
        #expect(try box.refuge("install", in: clone).succeeded)
        #expect(!FileManager.default.fileExists(atPath: "\(hooks)/pre-push.refuge-chained"))
        #expect(FileManager.default.isExecutableFile(atPath: "\(hooks)/refuge-chained/pre-push"))
        try box.commit("more", in: clone)
        try box.git("push", "-q", "origin", "main", in: clone)
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    // MARK: 1. Bookkeeping is not a rewrite

    @Test("git rebase: one forced update of the branch, none of HEAD; one pin; lost calls the originals rewritten")
    func rebaseIsOneRewrite() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        try box.commit("topic 1", in: alice)
        let oldTip = try box.commit("topic 2", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.commit("main moves", in: alice)
        try box.git("checkout", "-q", "topic", in: alice)
        try box.git("rebase", "-q", "main", in: alice)
        let newTip = try box.revParse("topic", in: alice)

        let forced = try box.events(in: alice, "--forced")
        #expect(forced.map { $0.ref } == ["refs/heads/topic"])
        #expect(forced.first?.old == oldTip && forced.first?.dropped == 2)
        // HEAD's detached steps are still in the log, only not as rewrites.
        #expect(try box.events(in: alice, "--ref", "HEAD").contains { $0.kind == "forced" })
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(oldTip)"])

        let lost = try array(box, ["lost"], in: alice)
        #expect(!lost.contains { $0.state == "lost" })
        let original = lost.first { $0.oid == oldTip }
        #expect(original?.state == "rewritten")
        #expect(original?.copy == newTip)
        #expect(try box.refuge("lost", in: alice).stdout.hasPrefix("no lost work:"))

        let summary = try report(box, in: alice).summary
        let headline = summary?.headline
        #expect(headline?.forced == 1 && headline?.deletions == 0)
        #expect(headline?.lostChains == 0)
        #expect(counts(summary, "most_rewritten_refs") == ["refs/heads/topic": 1])
        #expect(counts(summary, "top_force_pushers") == ["Alice": 1])
        #expect(counts(summary, "by_kind")["forced"] == 1)
        #expect((counts(summary, "by_kind")["bookkeeping"] ?? 0) > 0)
    }

    @Test("stash and pop: no rewrite, no pin, not lost; a dropped stash is lost work named as such")
    func stashPopAndDrop() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try "change\n".write(toFile: "\(alice)/wip.txt", atomically: true, encoding: .utf8)
        try box.git("add", "wip.txt", in: alice)
        try box.git("stash", "-q", in: alice)
        let popped = try box.revParse("refs/stash", in: alice)
        try box.git("stash", "pop", "-q", in: alice)
        #expect(try box.events(in: alice, "--forced").isEmpty)
        #expect(try box.pins(in: alice).isEmpty)
        let deletion = try box.events(in: alice, "--ref", "refs/stash").last
        #expect(deletion?.kind == "delete" && deletion?.reason == "applied by git stash pop")
        var lost = try array(box, ["lost"], in: alice)
        #expect(lost.first { $0.oid == popped }?.state == "applied")
        #expect(!lost.contains { $0.state == "lost" })

        try box.git("stash", "-q", in: alice)
        let dropped = try box.revParse("refs/stash", in: alice)
        try box.git("stash", "drop", "-q", in: alice)
        #expect(try box.events(in: alice, "--forced").isEmpty)
        lost = try array(box, ["lost"], in: alice)
        #expect(lost.first?.oid == dropped)
        #expect(lost.first?.state == "lost" && lost.first?.held == "dropped stash")
        // Lost work is kept: a dropped stash is pinned (a popped one is not).
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(dropped)"])
    }

    @Test("a lost revert records its grandparent's tree: still lost, not a copy of its own ancestor")
    func lostRevertIsLost() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.commit("change", in: alice)
        try box.git("revert", "--no-edit", "HEAD", in: alice)
        let revert = try box.revParse("HEAD", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~2", in: alice)
        let lost = try array(box, ["lost"], in: alice)
        #expect(lost.map { $0.oid } == [revert])
        #expect(lost.first?.state == "lost")
    }

    @Test("commits made on a detached HEAD and left are lost work, named detached HEAD; recover NEW --to brings them back")
    func detachedHeadWork() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("checkout", "-q", "--detach", in: alice)
        let spike = try box.commit("spike", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        let lost = try array(box, ["lost"], in: alice)
        #expect(lost.count == 1)
        #expect(lost.first?.oid == spike && lost.first?.state == "lost")
        #expect(lost.first?.held == "detached HEAD")
        let text = try box.refuge("lost", in: alice).stdout
        #expect(text.contains("bring it back: git refuge recover NEWBRANCH --to \(spike.prefix(7))"))
        // A branch nobody knows is created by --to (as the hint says).
        let recover = try box.refuge("recover", "spike", "--to", spike, in: alice)
        #expect(recover.succeeded, "\(recover.stderr)")
        #expect(try box.revParse("refs/heads/spike", in: alice) == spike)
        #expect(try array(box, ["lost"], in: alice).isEmpty)
    }

    // MARK: 3. Recovered is not lost

    @Test("after recover --replay: show, lost and report all say recovered by the same event")
    func replayedIsRecoveredEverywhere() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])
        let bad = try #require(try box.events(in: server, "--forced").first?.id)
        let (recovered, outcome) = try object(RecoveryOutput.self, box, ["recover", "main", "--replay"], in: server)
        #expect(recovered.succeeded, "\(recovered.stderr)")
        let recovery = try #require(outcome.event)

        let (_, shown) = try object(EventDetail.self, box, ["show", "\(bad)"], in: server)
        let dropped = shown.droppedCommits ?? []
        #expect(dropped.map { $0.oid } == [fix])
        #expect(dropped.first?.state == "recovered" && dropped.first?.recoveredBy == recovery)
        let text = try box.refuge("show", "\(bad)", in: server).stdout
        #expect(text.contains("recovered by #\(recovery)") && !text.contains("git refuge recover brings it back"))

        let lost = try array(box, ["lost"], in: server)
        #expect(lost.map { $0.state } == ["recovered"])
        #expect(lost.first?.oid == fix && lost.first?.recoveredBy == recovery)

        let summary = try report(box, in: server).summary
        let headline = summary?.headline
        #expect(headline?.stillLost == 0 && headline?.lostChains == 0 && headline?.recovered == 1)
        #expect((summary?.lostCommits)?.isEmpty == true)
    }

    @Test("show of a deletion that was undone lists its commits and names the recovery")
    func undoneDeletion() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        let commits = [try box.commit("t1", in: alice), try box.commit("t2", in: alice), try box.commit("t3", in: alice)]
        try box.git("checkout", "-q", "main", in: alice)
        try box.git("branch", "-q", "-D", "topic", in: alice)
        let deletion = try #require(try box.events(in: alice, "--forced").last?.id)
        let (done, outcome) = try object(RecoveryOutput.self, box, ["recover", "topic"], in: alice)
        #expect(done.succeeded, "\(done.stderr)")
        let (_, shown) = try object(EventDetail.self, box, ["show", "\(deletion)"], in: alice)
        let dropped = shown.droppedCommits ?? []
        #expect(dropped.map { $0.oid } == commits.reversed())
        #expect(dropped.allSatisfy { $0.state == "recovered" && $0.recoveredBy == outcome.event })
        #expect(try box.refuge("show", "\(deletion)", in: alice).stdout.contains("recovered by #\(outcome.event ?? 0)"))
    }

    @Test("an amend that changes content and a rebase --ignore-date: lost, show and the report all say rewritten")
    func rewrittenEverywhere() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let original = try box.commit("parser", in: alice)
        try "forgotten\n".write(toFile: "\(alice)/forgotten.txt", atomically: true, encoding: .utf8)
        try box.git("add", "forgotten.txt", in: alice)
        try box.git("commit", "-q", "--amend", "--no-edit", in: alice)
        let amended = try box.revParse("HEAD", in: alice)
        try box.git("checkout", "-q", "-b", "topic", in: alice)
        let topicTip = try box.commit("topic", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.commit("main moves", in: alice)
        try box.git("checkout", "-q", "topic", in: alice)
        try box.git("rebase", "-q", "--ignore-date", "main", in: alice)

        let lost = try array(box, ["lost"], in: alice)
        #expect(lost.first { $0.oid == original }?.state == "rewritten")
        #expect(lost.first { $0.oid == original }?.copy == amended)
        #expect(lost.first { $0.oid == topicTip }?.state == "rewritten")
        #expect(!lost.contains { $0.state == "lost" })

        let amend = try #require(try box.events(in: alice, "--forced").first { $0.old == original }?.id)
        let (_, shown) = try object(EventDetail.self, box, ["show", "\(amend)"], in: alice)
        #expect((shown.droppedCommits)?.first?.rewrittenAs == amended)

        let summary = try report(box, in: alice).summary
        let states = ((summary?.rewrites) ?? []).flatMap { ($0.droppedCommits) ?? [] }
        #expect(!states.isEmpty && states.allSatisfy { $0.state == "rewritten" }, "\(states)")
        #expect((summary?.headline)?.lostChains == 0)
    }

    // MARK: 4. Discarded is not integrated

    @Test("Dave pulls Bob's fix, resets it away: check names it and exits 1; pre-push warns; own discards pass")
    func discardedIsNotIntegrated() throws {
        let box = try Sandbox()
        let (_, dave, bob) = try box.sharedMain("dave", "bob")
        let fix = try box.commit("bob's fix", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.git("pull", "-q", "origin", "main", in: dave)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: dave)
        try box.commit("dave's work", in: dave)

        let (checked, json) = try object(CheckOutput.self, box, ["check"], in: dave)
        #expect(checked.status == 1)
        let drop = json.wouldDrop ?? []
        #expect(drop.map { $0.oid } == [fix])
        #expect(drop.first?.verdict == "discarded-others-work" && drop.first?.atRisk == true)
        #expect(drop.first?.neverIntegrated == false)
        let text = try box.refuge("check", in: dave).stdout
        #expect(text.contains("someone else's, discarded") && text.contains("1 that main had and discarded"))

        let push = try box.git("push", "-q", "--force", "origin", "main", in: dave)
        #expect(push.stderr.contains("refuge: this push would drop 1 commit(s) of someone else's that main had and discarded"))
        #expect(push.stderr.contains(String(fix.prefix(7))))

        // Dave discards his own pushed commit: allowed, with one line.
        let own = try box.commit("dave's mistake", in: dave)
        try box.git("push", "-q", "origin", "main", in: dave)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: dave)
        try box.commit("dave's redo", in: dave, file: "other.txt")
        let (ownCheck, ownJSON) = try object(CheckOutput.self, box, ["check"], in: dave)
        #expect(ownCheck.status == 0)
        #expect((ownJSON.wouldDrop)?.map { $0.verdict } == ["discarded-own-work"])
        #expect((ownJSON.wouldDrop)?.first?.oid == own)
        #expect(try box.refuge("check", in: dave).stdout.contains("1 commit(s) of your own would be discarded"))
        let ownPush = try box.git("push", "-q", "--force", "origin", "main", in: dave)
        #expect(ownPush.stderr.contains("refuge: this push discards 1 commit(s) of your own from origin/main"))
        #expect(!ownPush.stderr.contains("pushing anyway"))
    }

    @Test("an amend is rewritten, not discarded: the pushed copy carries the same patch")
    func amendIsRewritten() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let pushed = try box.commit("typo", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "no typo", in: alice)
        let (checked, json) = try object(CheckOutput.self, box, ["check"], in: alice)
        #expect(checked.status == 0)
        let drop = json.wouldDrop ?? []
        #expect(drop.map { $0.oid } == [pushed])
        #expect(drop.first?.verdict == "rewritten")
        #expect(drop.first?.copy == (try box.revParse("HEAD", in: alice)))
    }

    // MARK: 5. A push git rejects is not a forced update

    @Test("a plain push over a tip never fetched: no force-push warning, git's own hint, not counted as forced")
    func rejectedPlainPush() throws {
        let box = try Sandbox()
        let (_, alice, _) = try box.divergedTeam(fetch: false)
        for mode in ["warn", "block"] {
            try box.git("config", "refuge.prePush", mode, in: alice)
            let push = try box.git("push", "origin", "main", in: alice, allowFailure: true)
            #expect(!push.succeeded)
            #expect(!push.stderr.contains("refuge:"), "\(mode): \(push.stderr)")
            #expect(push.stderr.contains("fetch first"), "\(mode): \(push.stderr)")
        }
        #expect(try box.events(in: alice, "--forced").isEmpty)
        #expect(try box.events(in: alice, "--forced", "--status", "attempted").count == 2)
        let summary = try report(box, in: alice).summary
        let headline = summary?.headline
        #expect(headline?.forced == 0 && headline?.unconfirmedPushes == 2)
        #expect(counts(summary, "top_force_pushers").isEmpty)
        // A real force push over the same tip still warns.
        try box.git("config", "refuge.prePush", "warn", in: alice)
        let forced = try box.git("push", "--force", "origin", "main", in: alice)
        #expect(forced.stderr.contains("refuge: this push overwrites main at"))
    }

    // MARK: 6. A repository is not its path

    @Test("a copied repository keeps its history; doctor names the two claimants until identity --new")
    func movedRepositoryKeepsHistory() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "alice"])
        let before = try box.events(in: server)
        #expect(try box.refuge("doctor", in: server).succeeded)

        let copy = box.path("copy.git")
        #expect(try box.run("/bin/cp", ["-a", server, copy]).succeeded)
        #expect(try box.events(in: copy).map { $0.id } == before.map { $0.id })
        let lost = try array(box, ["lost"], in: copy)
        #expect(lost.first?.oid == fix && lost.first?.ref == "refs/heads/main")
        let (dry, plan) = try object(RecoveryOutput.self, box, ["recover", "main", "--dry-run"], in: copy)
        #expect(dry.succeeded, "\(dry.stderr)")
        #expect(plan.to == fix)

        let doctor = try box.refuge("doctor", in: copy)
        #expect(!doctor.succeeded)
        #expect(doctor.stdout.contains("\(server) claims this repository's identity"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("git refuge identity --new"))
        #expect(try box.refuge("identity", "--new", in: copy).succeeded)
        #expect(try box.refuge("doctor", in: copy).succeeded)
        #expect(try box.refuge("doctor", in: server).succeeded)
        #expect(try box.events(in: copy).isEmpty)  // its own history starts now
        #expect(try box.events(in: server).count == before.count)

        // A rename keeps everything.
        let renamed = box.path("renamed.git")
        #expect(rename(server, renamed) == 0)
        #expect(try box.events(in: renamed).count == before.count)
        #expect(try box.refuge("doctor", in: renamed).succeeded)
        #expect(try box.refuge("verify", in: renamed).succeeded)
    }

    // MARK: 7. History order, not clock order

    @Test("commits made within one second are listed child first")
    func topologicalOrder() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let date = ["GIT_AUTHOR_DATE": "2026-11-30T10:00:00Z", "GIT_COMMITTER_DATE": "2026-11-30T10:00:00Z"]
        var steps: [String] = []
        for step in 1...3 {
            try "\(step)\n".write(toFile: "\(alice)/step\(step).txt", atomically: true, encoding: .utf8)
            try box.git("add", ".", in: alice)
            try box.git("commit", "-q", "-m", "step \(step)", in: alice, environment: date)
            steps.append(try box.revParse("HEAD", in: alice))
        }
        try box.git("reset", "-q", "--hard", "HEAD~3", in: alice)
        let reset = try #require(try box.events(in: alice, "--forced").last?.id)
        let (_, shown) = try object(EventDetail.self, box, ["show", "\(reset)"], in: alice)
        #expect((shown.droppedCommits)?.map { $0.summary } == ["step 3", "step 2", "step 1"])
        let (_, plan) = try object(RecoveryOutput.self, box, ["recover", "main", "--dry-run"], in: alice)
        #expect((plan.comesBack)?.map { $0.oid } == steps.reversed())
    }

    // MARK: 8. Figures agree

    @Test("with a refusal, a recovery and a rebase, every figure of the report counts the same things as log")
    func figuresAgree() throws {
        let box = try Sandbox()
        let (server, alice, _) = try box.divergedTeam(fetch: true)
        try box.git("config", "--add", "refuge.protect", "refs/heads/main", in: server)
        try box.refuge("install", in: server)
        let refused = try box.git("push", "-q", "--force", "origin", "main", in: alice,
                                  environment: ["REMOTE_USER": "alice"], allowFailure: true)
        #expect(!refused.succeeded)
        try box.git("config", "--add", "refuge.allowForce", "admin", in: server)
        try box.git("push", "-q", "--force", "origin", "main", in: alice, environment: ["REMOTE_USER": "admin"])
        #expect(try box.refuge("recover", "main", in: server).succeeded)

        let rows = try box.events(in: server)
        let json = try report(box, in: server)
        let summary = json.summary
        let headline = summary?.headline
        let kinds = counts(summary, "by_kind"), sides = counts(summary, "by_side")
        let timeline = summary?.timeline ?? []
        let happened = rows.filter { ["done", "accepted", "confirmed"].contains($0.status ?? "") }
        #expect(headline?.events == rows.count)
        #expect(headline?.updates == happened.count)
        #expect(kinds.values.reduce(0, +) == happened.count)
        #expect(sides.values.reduce(0, +) == happened.count)
        #expect(timeline.reduce(0) { $0 + ($1.updates ?? 0) } == happened.count)
        #expect(headline?.forced == kinds["forced"])
        #expect(timeline.reduce(0) { $0 + ($1.forced ?? 0) } == kinds["forced"])
        #expect(headline?.refusals == rows.filter { $0.status == "rejected" }.count)
        #expect(headline?.refusals == 1 && kinds["recovery"] == 1)
        #expect(headline?.forced == (try box.events(in: server, "--forced").filter { $0.kind == "forced" }.count))
        let text = try box.refuge("report", in: server).stdout
        #expect(text.contains("events recorded") && !text.contains("1 minutes"))
    }

    // MARK: 9. verify counts everything

    @Test("verify right after pushes drains first and covers every event; --no-drain reads the log as it is")
    func verifyDrains() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        for n in 1...3 {
            try box.commit("c\(n)", in: clones[0])
            try box.git("push", "-q", "origin", "main", in: clones[0])
        }
        let undrained = try box.refuge("verify", "--no-drain", in: server)
        #expect(!undrained.succeeded && undrained.stderr.contains("there is no audit log yet"))
        let (verified, json) = try object(VerifyOutput.self, box, ["verify"], in: server)
        #expect(verified.succeeded, "\(verified.stderr)")
        #expect(json.events == 3 && json.spoolWaiting == 0)
        let head = try #require(json.head)
        try box.commit("c4", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        let (_, after) = try object(VerifyOutput.self, box, ["verify", "--against", head], in: server)
        #expect(after.eventsAfterAnchor == 1 && after.anchorFound == true)
    }

    // MARK: 10. Reports are safe to open

    @Test("a pusher named like a formula lands as text in the CSV report")
    func csvInjection() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        let pusher = #"=HYPERLINK("http://x","y")"#
        try box.git("push", "-q", "origin", "main", in: clones[0], environment: ["REMOTE_USER": pusher])
        let csv = try box.refuge("report", "--format", "csv", in: server).stdout
        #expect(csv.contains(#""'=HYPERLINK(""http://x"",""y"")""#), "\(csv)")
        #expect(!csv.contains(#","=HYPERLINK"#))
    }

    // MARK: 11. Small wrong messages

    @Test("check and recover name what is wrong: a missing branch, a missing remote, a reserved name")
    func clearMessages() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let noBranch = try box.refuge("check", "nosuchbranch", in: alice)
        #expect(noBranch.status == 1 && noBranch.stderr.hasPrefix("error: no branch nosuchbranch here"))
        let noRemote = try box.refuge("check", "--remote", "nosuchremote", in: alice)
        #expect(noRemote.status == 1 && noRemote.stderr.hasPrefix("error: no remote named nosuchremote here"))
        let reserved = try box.refuge("recover", "main", "--to", "HEAD", "--as", "refs/refuge/kept/x", in: alice)
        #expect(reserved.status != 0 && reserved.stderr.contains("is under refs/refuge/, where Refuge keeps its pins"))
    }

    @Test("backfill after a force push over commits never fetched imports no duplicate, and its counts add up")
    func backfillAfterBlindForcePush() throws {
        let box = try Sandbox()
        let (_, alice, _) = try box.divergedTeam(fetch: false)
        try box.git("push", "-q", "--force", "origin", "main", in: alice)
        let before = try box.events(in: alice).count
        let (result, json) = try object(BackfillOutput.self, box, ["backfill"], in: alice)
        #expect(result.succeeded, "\(result.stderr)")
        #expect(json.imported == 0)
        #expect(try box.events(in: alice).count == before)
        let parts = [json.imported, json.alreadyRecorded, json.headDuplicates, json.branchSwitches, json.unchanged].map { $0 ?? 0 }
        #expect(parts.reduce(0, +) == json.entries)
    }

    @Test("recover --push where the remote already has that commit says so; a dry run names no pin as made")
    func recoverMessages() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let pushed = try box.commit("pushed", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        let dry = try box.refuge("recover", "main", "--dry-run", in: alice)
        #expect(dry.succeeded, "\(dry.stderr)")
        #expect(!dry.stdout.contains("kept by refs/refuge"), "\(dry.stdout)")
        let recovered = try box.refuge("recover", "main", "--push", "origin", in: alice)
        #expect(recovered.succeeded, "\(recovered.stderr)")
        #expect(try box.revParse("main", in: alice) == pushed)
        #expect(recovered.stdout.contains("origin already has refs/heads/main at that commit: nothing to push"), "\(recovered.stdout)")
        #expect(!recovered.stdout.contains("was absent there"))
    }

    // MARK: A day in the life

    @Test("a normal day of amends, rebase -i, stash, pull --rebase and a deleted merged branch, plus one real loss")
    func dayInTheLife() throws {
        let box = try Sandbox()
        let (_, alice, bob) = try box.sharedMain("alice", "bob")

        // An amend of the message.
        try box.commit("add parser", in: alice)
        try box.git("commit", "-q", "--amend", "-m", "Add the parser", in: alice)
        // rebase -i: squash two commits into one.
        try box.commit("lexer", in: alice)
        try box.commit("lexer: fix", in: alice)
        try box.git("rebase", "-q", "-i", "HEAD~2", in: alice,
                    environment: ["GIT_SEQUENCE_EDITOR": "sed -i '2s/^pick/squash/'", "GIT_EDITOR": "true"])
        // stash, then pop.
        try "draft\n".write(toFile: "\(alice)/notes.txt", atomically: true, encoding: .utf8)
        try box.git("add", "notes.txt", in: alice)
        try box.git("stash", "-q", in: alice)
        try box.git("stash", "pop", "-q", in: alice)
        try box.git("commit", "-q", "-m", "notes", in: alice)
        // Bob pushes; Alice pulls with rebase (her unpushed commits are rebased).
        try box.commit("bob's change", in: bob)
        try box.git("push", "-q", "origin", "main", in: bob)
        try box.git("pull", "-q", "--rebase", "origin", "main", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        // A topic branch merged, then deleted.
        try box.git("checkout", "-q", "-b", "docs", in: alice)
        try box.commit("docs", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.git("merge", "-q", "--ff-only", "docs", in: alice)
        try box.git("branch", "-q", "-d", "docs", in: alice)
        // The one real loss: unpushed work thrown away by a reset.
        let lostWork = try box.commit("half a day of work", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)

        let lost = try array(box, ["lost"], in: alice)
        #expect(lost.first?.oid == lostWork)
        #expect(lost.first?.state == "lost")
        #expect(lost.filter { $0.state == "lost" }.count == 1, "\(lost)")
        #expect(lost.dropFirst().allSatisfy { ["rewritten", "applied"].contains($0.state ?? "") })
        let text = try box.refuge("lost", in: alice).stdout.split(separator: "\n")
        #expect(text.first == "lost work (1 chain):")
        #expect(text.dropFirst().first?.contains(String(lostWork.prefix(7))) == true)

        // Only rewrites of branches: the amend, the squash, the pull --rebase, the deletion and the reset.
        let forced = try box.events(in: alice, "--forced")
        #expect(Set(forced.compactMap { $0.ref }) == ["refs/heads/main", "refs/heads/docs"])
        #expect(forced.filter { $0.kind == "delete" }.map { $0.ref } == ["refs/heads/docs"])
        #expect(forced.filter { $0.ref == "refs/heads/main" }.count == 4)

        let rows = try box.events(in: alice)
        let summary = try report(box, in: alice).summary
        let headline = summary?.headline
        let kinds = counts(summary, "by_kind")
        let happened = rows.filter { ["done", "accepted", "confirmed"].contains($0.status ?? "") }
        #expect(headline?.events == rows.count)
        #expect(headline?.updates == happened.count && kinds.values.reduce(0, +) == happened.count)
        #expect(headline?.rewrites == forced.count)
        #expect(headline?.forced == 4 && kinds["forced"] == 4 && headline?.deletions == 1)
        #expect(headline?.lostChains == 1)
        #expect(counts(summary, "most_rewritten_refs") == ["refs/heads/main": 4, "refs/heads/docs": 1])
        #expect((summary?.lostCommits)?.map { $0.oid } == [lostWork])
    }

    // MARK: Invisible to git (issue 18, first points)

    @Test("reading writes nothing: no reflog file appears for a tag git keeps none for")
    func readingWritesNothing() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let first = try box.revParse("HEAD", in: alice)
        try box.commit("two", in: alice)
        try box.git("tag", "v1", first, in: alice)
        try box.git("pack-refs", "--all", in: alice)
        try box.git("tag", "-f", "v1", "HEAD", in: alice)  // a packed ref: its old value is resolved at drain
        let moved = try box.events(in: alice, "--ref", "refs/tags/v1").last
        #expect(moved?.old == first && moved?.kind == "fast-forward")
        for command in [["lost"], ["check"], ["report"], ["verify"]] { _ = try box.run(box.refugeBinary, command, in: alice) }
        #expect(try box.git("reflog", "exists", "refs/tags/v1", in: alice, allowFailure: true).status == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(alice)/.git/logs/refs/tags/v1"))
    }

    @Test("deleting two branches on one commit, renaming the first branch: no warning, the pin at once")
    func deletionsPinAtOnce() throws {
        let box = try Sandbox()
        let (_, alice) = try box.pushedClone()
        let tip = try box.commit("on c and d", in: alice)
        try box.git("branch", "c", in: alice)
        try box.git("branch", "d", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        let deleted = try box.git("branch", "-q", "-D", "c", "d", in: alice)
        #expect(deleted.stderr.isEmpty, "\(deleted.stderr)")
        #expect(try box.pins(in: alice).contains("refs/refuge/kept/\(tip)"))  // before any drain
        let renamed = try box.git("branch", "-M", "trunk", in: alice)
        #expect(renamed.stderr.isEmpty, "\(renamed.stderr)")
    }

    @Test("git -c refuge.prePush=block is honoured, as git honours -c")
    func commandLineConfig() throws {
        let box = try Sandbox()
        let (server, alice, fix) = try box.divergedTeam()
        let push = try box.git("-c", "refuge.prePush=block", "push", "-q", "--force-with-lease", "origin", "main", in: alice,
                               allowFailure: true)
        #expect(!push.succeeded)
        #expect(push.stderr.contains("refuge: push refused (refuge.prePush=block)"), "\(push.stderr)")
        #expect(try box.revParse("main", in: server) == fix)
    }
}
