import Foundation
import RefugeTestSupport
import Testing

/// Local ref updates seen by the reference-transaction shim: git hands it zero old ids for several
/// commands, and the log must still hold the true old value.
@Suite("Recording local updates")
struct LocalUpdateTests {
    /// A clone with hooks and three commits on main; returns (clone, [c1, c2, c3]).
    func repository(_ box: Sandbox) throws -> (String, [String]) {
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        var commits: [String] = []
        for index in 1...3 { commits.append(try box.commit("c\(index)", in: alice)) }
        return (alice, commits)
    }

    @Test("branch -f and branch -D record the true old value, loose or packed", arguments: [false, true])
    func forceAndDelete(packed: Bool) throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        try box.git("branch", "topic", in: alice)
        if packed { try box.git("pack-refs", "--all", in: alice) }
        try box.git("branch", "-f", "topic", c[0], in: alice)
        try box.git("branch", "-D", "topic", in: alice)

        let topic = try box.events(in: alice, "--ref", "topic")
        #expect(topic.map { $0.kind } == ["create", "forced", "delete"])
        #expect(topic[1].old == c[2] && topic[1].new == c[0])
        // rev-list OLD ^NEW: c2 and c3, although main still has them (dropped from this ref)
        #expect(topic[1].dropped == 2)
        #expect(topic[2].old == c[0] && topic[2].new == nil)
        #expect(topic.allSatisfy { $0.side == "local" && $0.status == "done" })
        // pack-refs itself is not an update of anything.
        #expect(try box.events(in: alice, "--ref", "main").count == 3)
    }

    @Test("a branch -D whose commits no other ref keeps counts them as dropped")
    func deleteDropsCommits() throws {
        let box = try Sandbox()
        let (alice, _) = try repository(box)
        try box.git("checkout", "-q", "-b", "experiment", in: alice)
        try box.commit("e1", in: alice)
        let e2 = try box.commit("e2", in: alice)
        try box.git("checkout", "-q", "main", in: alice)
        try box.git("branch", "-D", "experiment", in: alice)
        let deletion = try box.events(in: alice, "--kind", "delete")
        #expect(deletion.count == 1)
        #expect(deletion.first?.old == e2)
        #expect(deletion.first?.dropped == 2)
    }

    @Test("reset --hard is a forced update of the branch, dropping the commits left behind")
    func resetHard() throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        try box.git("reset", "-q", "--hard", "HEAD~2", in: alice)
        let forced = try box.events(in: alice, "--forced")
        #expect(forced.count == 1)
        #expect(forced.first?.ref == "refs/heads/main")
        #expect(forced.first?.old == c[2] && forced.first?.new == c[0])
        #expect(forced.first?.dropped == 2)
        // ORIG_HEAD and the duplicate HEAD line are not listed.
        #expect(try box.events(in: alice).filter { $0.ref != "refs/heads/main" }.isEmpty)
    }

    @Test("a fetch records remote-tracking updates and new tags; gc adds nothing")
    func fetchAndGC() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        let first = try box.commit("one", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("fetch", "-q", "origin", in: bob)
        let second = try box.commit("two", in: alice)
        for index in 1...3 { try box.git("tag", "t\(index)", in: alice) }
        try box.git("push", "-q", "origin", "main", "--tags", in: alice)
        try box.git("fetch", "-q", "--tags", "origin", in: bob)
        let before = try box.events(in: bob).count
        try box.git("gc", "-q", in: bob)
        try box.git("pack-refs", "--all", in: bob)

        let tracking = try box.events(in: bob, "--ref", "refs/remotes/origin/main")
        #expect(tracking.map { $0.kind } == ["create", "fast-forward"])
        #expect(tracking.last?.old == first && tracking.last?.new == second)
        let tags = try box.events(in: bob).filter { ($0.ref ?? "").hasPrefix("refs/tags/") }
        #expect(tags.count == 3 && tags.allSatisfy { $0.kind == "create" && $0.new == second })
        #expect(try box.events(in: bob).count == before)
        _ = server
    }

    @Test("a linked worktree records into the same log")
    func linkedWorktree() throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        let linked = box.path("linked")
        try box.git("worktree", "add", "-q", "-b", "wt", linked, c[0], in: alice)
        let inWorktree = try box.commit("in worktree", in: linked)
        let events = try box.events(in: alice, "--ref", "wt")
        #expect(events.map { $0.new } == [c[0], inWorktree])
        #expect(events.allSatisfy { $0.repository == "\(alice)/.git" })
        #expect(try box.events(in: linked, "--ref", "wt").count == 2)
    }

    @Test("a rebase is recorded as one forced update of the branch with what it dropped")
    func rebase() throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        try box.git("checkout", "-q", "-b", "feature", c[0], in: alice)
        try box.commit("f1", in: alice)
        let f2 = try box.commit("f2", in: alice)
        try box.git("rebase", "-q", "main", in: alice)
        let rebased = try box.revParse("HEAD", in: alice)
        let forced = try box.events(in: alice, "--ref", "feature", "--forced")
        #expect(forced.count == 1)
        #expect(forced.first?.old == f2 && forced.first?.new == rebased)
        #expect(forced.first?.dropped == 2)  // the originals; their rewrites are new commits
    }

    /// The reference-transaction shim ends a common transaction before the shell parses the rest of it
    /// (that parse was most of its cost). Each transaction below runs three ways: the shim; the shim cut
    /// where its rare part starts (a common one must not notice); and with a chained hook, which must get
    /// git's input and arguments exactly.
    @Test("the reference-transaction shim: common transactions end before its rare part, the same with a chained hook")
    func commonPath() throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        try box.git("branch", "topic", in: alice)  // a loose ref at c3
        let hooks = "\(alice)/.git/hooks", spool = "\(alice)/.git/refuge/spool"
        let shim = try String(contentsOfFile: "\(hooks)/reference-transaction", encoding: .utf8)
        let rare = try #require(shim.range(of: "# ---- What only some transactions need"))
        try (shim[..<rare.lowerBound] + "echo 'reached the rare part' >&2\nexit 0\n")
            .write(toFile: "\(hooks)/common-part", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(hooks)/common-part")
        // As a fetch would have left it: a forced update is the reflog's newest line.
        let reflog = "\(alice)/.git/logs/refs/remotes/origin/main"
        let forced = "\(c[2]) \(c[0]) Alice <alice@example.com> 1767225600 +0000\tfetch: forced-update\n"
        try FileManager.default.createDirectory(atPath: "\(alice)/.git/logs/refs/remotes/origin", withIntermediateDirectories: true)
        try (((try? String(contentsOfFile: reflog, encoding: .utf8)) ?? "") + forced).write(toFile: reflog, atomically: false, encoding: .utf8)

        let z = String(repeating: "0", count: 40)
        let commit = "\(c[1]) \(c[2]) HEAD\n\(c[1]) \(c[2]) refs/heads/main\n"
        let tags = (1...3).map { "\(z) \(c[2]) refs/tags/v\($0)\n" }.joined()
        let cases: [(state: String, input: String, common: Bool, why: String)] = [
            ("prepared", commit, true, "a commit"),
            ("committed", commit, true, "a commit"),
            ("prepared", tags, true, "creations"),
            ("committed", tags, true, "creations"),
            ("prepared", "\(z) \(c[0]) refs/heads/topic\n", true, "branch -f: the true old value is read"),
            ("committed", "\(z) \(c[0]) refs/heads/topic\n", true, "branch -f"),
            ("committed", "\(c[0]) \(c[1]) refs/remotes/origin/main\n", true, "a fetch's fast-forward (its reflog says so)"),
            ("committed", "\(c[2]) \(c[0]) refs/remotes/origin/main\n", false, "a fetch's forced update (its reflog says so)"),
            ("committed", "\(c[0]) \(c[1]) refs/remotes/origin/gone\n", true, "a remote-tracking ref with no reflog, a fast-forward"),
            ("committed", "\(c[2]) \(z) refs/heads/topic\n", false, "a deletion: pinned"),
            ("aborted", commit, true, "an aborted transaction"),
        ]
        func spooled(_ hook: String, _ state: String, _ input: String) throws -> (lines: String, stderr: String) {
            let before = Set((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? [])
            let run = try box.runHook("\(hooks)/\(hook)", [state], in: alice, input: input)
            #expect(run.status == 0, "\(run.stderr)")
            let added = Set(try FileManager.default.contentsOfDirectory(atPath: spool)).subtracting(before).filter { $0.hasPrefix("rt.") }
            let text = try added.sorted().map { try String(contentsOfFile: "\(spool)/\($0)", encoding: .utf8) }.joined()
            // The block's first line holds the time (`C 1234.56`): the same lines otherwise.
            let lines = text.split(separator: "\n").map { $0.hasPrefix("C ") || $0.hasPrefix("P ") ? String($0.prefix(1)) : String($0) }
            return (lines.joined(separator: "\n"), run.stderr)
        }
        for entry in cases {
            let label = "\(entry.why) (\(entry.state))"
            let whole = try spooled("reference-transaction", entry.state, entry.input)
            let cut = try spooled("common-part", entry.state, entry.input)
            #expect(cut.stderr.contains("reached the rare part") == !entry.common, "\(label)")
            if entry.common { #expect(cut.lines == whole.lines, "\(label)") }
            if entry.state == "committed" { #expect(whole.lines == "C\n" + entry.input + ".", "\(label)") }

            try FileManager.default.createDirectory(atPath: "\(hooks)/refuge-chained", withIntermediateDirectories: true)
            try "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"$0.args\"; cat > \"$0.input\"\n"
                .write(toFile: "\(hooks)/refuge-chained/reference-transaction", atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(hooks)/refuge-chained/reference-transaction")
            let chained = try spooled("reference-transaction", entry.state, entry.input)
            #expect(try String(contentsOfFile: "\(hooks)/refuge-chained/reference-transaction.input", encoding: .utf8) == entry.input, "\(label)")
            #expect(try String(contentsOfFile: "\(hooks)/refuge-chained/reference-transaction.args", encoding: .utf8) == entry.state + "\n")
            try FileManager.default.removeItem(atPath: "\(hooks)/refuge-chained")
            #expect(chained.lines == whole.lines, "\(label)")
        }
        // branch -f's prepared block holds the value topic had (c3), which git did not pass.
        #expect(try spooled("reference-transaction", "prepared", "\(z) \(c[0]) refs/heads/topic\n").lines == "P\n\(c[2]) refs/heads/topic\n.")
        #expect(try box.pins(in: alice) == ["refs/refuge/kept/\(c[2])"])
    }

    /// A spool this user cannot write (here `.git/refuge` is a file) costs the audit log those updates,
    /// with one warning, and never git's update: a hook failing in `prepared` would abort it.
    @Test("a spool that cannot be written: git's update goes through, with one warning")
    func unwritableSpool() throws {
        let box = try Sandbox()
        let (alice, c) = try repository(box)
        try box.git("branch", "topic", in: alice)
        try FileManager.default.removeItem(atPath: "\(alice)/.git/refuge")
        try "not a directory\n".write(toFile: "\(alice)/.git/refuge", atomically: true, encoding: .utf8)
        let forced = try box.git("branch", "-f", "topic", c[0], in: alice)
        #expect(try box.revParse("topic", in: alice) == c[0])
        #expect(forced.stderr.contains("refuge: warning: cannot write to"), "\(forced.stderr)")
        try box.git("branch", "-D", "topic", in: alice)
        #expect(try box.gitOutput("branch", "--list", "topic", in: alice).isEmpty)
    }
}
