import Foundation
import RefugeTestSupport
import Testing

/// `git refuge` as people who know git expect it: -C, help, one-line usage errors, nothing created where
/// Refuge is not installed, the configuration in view, and install and uninstall saying what they do.
@Suite("The command line")
struct CommandLineTests {
    /// The commands people run (pre-push-check and pre-receive are the hooks').
    static let commands = ["install", "uninstall", "status", "log", "show", "check", "lost", "recover", "prune", "forget",
                           "report", "backfill", "verify", "doctor", "identity", "drain", "ship"]

    @Test("-C PATH on every command and before it, as git has it; a directory that does not exist says so")
    func changeDirectory() throws {
        let box = try Sandbox()
        let (server, clone) = try box.pushedClone()
        let inside = try box.events(in: clone).map(\.id)
        #expect(!inside.isEmpty)
        for arguments in [["-C", clone, "log", "--json"], ["log", "-C", clone, "--json"], ["-C", box.root, "-C", "alice", "log", "--json"]] {
            let result = try box.run(box.refugeBinary, arguments, in: box.root)
            #expect(result.succeeded, "\(arguments): \(result.stderr)")
            #expect(Output.array(LoggedEvent.self, from: result.stdout).map(\.id) == inside, "\(arguments)")
        }
        #expect(try box.refuge("-C", server, "status", in: box.root).stdout.hasPrefix("repository:  \(server)"))
        for command in Self.commands {
            #expect(try box.refuge("help", command, in: box.root).stdout.contains("-C <path>"), "\(command) has no -C")
        }
        for arguments in [["-C", box.path("nowhere"), "log"], ["status", "-C", box.path("nowhere")]] {
            let result = try box.run(box.refugeBinary, arguments, in: box.root)
            #expect(result.status == 1 && result.stdout.isEmpty)
            #expect(result.stderr == "error: cannot change to '\(box.path("nowhere"))': No such file or directory\n")
        }
    }

    @Test("a mistake in the command line: one line saying what, and a non-zero exit")
    func usageMistakes() throws {
        let box = try Sandbox()
        let (_, clone) = try box.pushedClone()
        let cases: [([String], String)] = [
            (["nosuch"], "unexpected argument 'nosuch'"),
            (["help", "nosuch"], "no command named 'nosuch'"),
            (["show", "abc"], "an event id is the number git refuge log prints before each update (#12, or 12), not 'abc'"),
            (["log", "--bogus"], "unknown option '--bogus'"),
            (["-C"], "-C needs a directory"),
        ]
        for (arguments, words) in cases {
            let result = try box.run(box.refugeBinary, arguments, in: clone)
            #expect(result.status == 64, "\(arguments): \(result.status)")
            #expect(result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.hasPrefix("error: "), "\(arguments): \(result.stderr)")
            #expect(result.stderr.lowercased().contains(words.lowercased()), "\(arguments): \(result.stderr)")
        }
    }

    @Test("help: usage says git refuge, every command has examples that never wrap to column 0, --version at the top only")
    func help() throws {
        let box = try Sandbox()
        for command in Self.commands {
            let help = try box.refuge("help", command, in: box.root)
            #expect(help.succeeded)
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.contains { $0.hasPrefix("USAGE: git refuge \(command)") }, "\(command)")
            #expect(!help.stdout.contains("--version"), "\(command) lists --version")
            let examples = try #require(lines.firstIndex(of: "Examples:"), "\(command) has no examples")
            let usage = try #require(lines.firstIndex { $0.hasPrefix("USAGE:") })
            let body = lines[(examples + 1)..<usage].filter { !$0.isEmpty }
            #expect(!body.isEmpty && body.allSatisfy { $0.hasPrefix("  ") }, "\(command): \(body.filter { !$0.hasPrefix("  ") })")
            #expect(body.contains { $0.hasPrefix("  git ") }, "\(command)")
        }
        let top = try box.refuge("--help", in: box.root)
        #expect(top.stdout.contains("USAGE: git refuge [--version] <subcommand>"))
        #expect(top.stdout.contains("git help refuge"))  // where the manual is, on a machine with only the binary
        #expect(try box.refuge("--version", in: box.root).stdout == "git-refuge version 0.2.0\n")
        let bare = try box.refuge(in: box.root)
        #expect(bare.status == 1 && bare.stdout.contains("SUBCOMMANDS:"))
    }

    @Test("where Refuge is not installed, reading commands say so in one line and create nothing inside .git")
    func notInstalled() throws {
        let box = try Sandbox()
        let repo = box.path("plain")
        try box.git("init", "-q", repo, in: box.root)
        try box.commit("one", in: repo)
        let dropped = try box.commit("two", in: repo)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: repo)
        let tree = { try FileManager.default.subpathsOfDirectory(atPath: "\(repo)/.git").filter { !$0.hasPrefix("objects/") }.sorted() }
        let files = try tree()
        for arguments in [["log"], ["log", "--json"], ["show", "1"], ["report"], ["report", "--format", "json"]] {
            let result = try box.run(box.refugeBinary, arguments, in: repo)
            #expect(result.status == 1 && result.stdout.isEmpty, "\(arguments)")
            #expect(result.stderr == "error: nothing is recorded in \(repo)/.git: Refuge is not installed here; git refuge install "
                + "starts recording (then git refuge backfill imports the reflogs' past)\n", "\(arguments)")
        }
        // lost reads git's own records too: it answers, and says what it could not read.
        let lost = try box.json([LostRow].self, ["lost", "--json"], in: repo)
        #expect(lost.0.succeeded && lost.1?.map(\.oid) == [dropped] && lost.1?.first?.source == "reflog")
        #expect(lost.0.stderr == "note: Refuge is not installed here, so only git's own records were read (git refuge install starts recording)\n")
        let verify = try box.refuge("verify", in: repo)
        #expect(verify.status == 1 && verify.stderr.contains("there is no audit log yet"))
        #expect(try tree() == files)
        #expect(!FileManager.default.fileExists(atPath: "\(repo)/.git/refuge"))
    }

    @Test("status and doctor show the configuration in effect and agree on what is healthy; status says why in one line")
    func configurationAndHealth() throws {
        let box = try Sandbox()
        let (server, clone) = try box.pushedClone()
        try box.git("config", "--add", "refuge.protect", "refs/heads/main", in: server)
        try box.git("config", "refuge.allowForce", "admin", in: server)
        try box.refuge("install", in: server)
        try box.git("config", "refuge.prePush", "loud", in: clone)

        let (status, json) = try box.json(StatusOutput.self, ["status", "--json"], in: server)
        #expect(status.succeeded && json?.healthy == true && json?.unhealthyBecause == nil)
        #expect(json?.config?.protect == ["refs/heads/main"] && json?.config?.allowForce == ["admin"])
        #expect(json?.config?.prePush == "warn" && json?.config?.databaseSource == "default")
        let text = try box.refuge("status", in: server).stdout
        #expect(text.contains("  refuge.protect: refs/heads/main") && text.contains("  refuge.allowForce: admin"))
        #expect(text.contains("  audit log: \(server)/refuge/audit.db (default), this account's only"))
        let doctor = try box.json(DoctorOutput.self, ["doctor", "--json"], in: server)
        #expect(doctor.0.succeeded && doctor.1?.healthy == true)
        let settings = doctor.1?.findings?.filter { $0.area == "config" }.compactMap(\.what) ?? []
        #expect(settings.contains("refuge.protect: refs/heads/main") && settings.contains("refuge.allowForce: admin"))

        // A value that is no mode: both say so, and both say what is used instead.
        let clientStatus = try box.refuge("status", in: clone)
        #expect(clientStatus.succeeded && clientStatus.stdout.contains("refuge.prePush is 'loud'; expected warn, block or off (using warn)"))
        let clientDoctor = try box.json(DoctorOutput.self, ["doctor", "--json"], in: clone)
        #expect(clientDoctor.1?.findings?.contains { $0.severity == "warning" && $0.what?.contains("'loud'") == true } == true)

        // Broken: a hook git would skip. Both are unhealthy, for the same reason.
        chmod("\(server)/hooks/post-receive", 0o644)
        let broken = try box.refuge("status", in: server)
        #expect(broken.status == 1)
        #expect(broken.stderr == "error: hooks: \(server)/hooks/post-receive is not executable: git skips it; chmod +x \(server)/hooks/post-receive\n")
        let brokenDoctor = try box.json(DoctorOutput.self, ["doctor", "--json"], in: server)
        #expect(brokenDoctor.0.status == 1 && brokenDoctor.1?.healthy == false)
        #expect(brokenDoctor.1?.findings?.first { $0.severity == "error" }?.what == "\(server)/hooks/post-receive is not executable: git skips it")
        #expect(try box.json(StatusOutput.self, ["status", "--json"], in: server).1?.healthy == false)
    }

    @Test("after git config --unset-all refuge.protect && git refuge install, the policy hook is gone and force pushes pass")
    func policyHookRemoved() throws {
        let box = try Sandbox()
        let (server, alice) = try box.pushedClone()
        try box.git("config", "--add", "refuge.protect", "refs/heads/main", in: server)
        #expect(try box.refuge("install", in: server).stdout.contains("installed pre-receive"))
        try box.commit("more", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: alice)
        try box.commit("rewrite", in: alice)
        #expect(try !box.git("push", "-q", "--force", "origin", "main", in: alice, allowFailure: true).succeeded)

        try box.git("config", "--unset-all", "refuge.protect", in: server)
        let again = try box.refuge("install", in: server)
        #expect(again.stdout.contains("removed pre-receive from \(server)/hooks/pre-receive: refuge.protect is not set"))
        #expect(!FileManager.default.fileExists(atPath: "\(server)/hooks/pre-receive"))
        #expect(try box.git("push", "-q", "--force", "origin", "main", in: alice).succeeded)
        #expect(try box.events(in: server, "--forced").map(\.kind) == ["forced"])
    }

    @Test("uninstall says what it keeps on purpose; an install after a gap says what went unrecorded and backfill imports it")
    func uninstallAndGap() throws {
        let box = try Sandbox()
        let (_, clone) = try box.pushedClone()
        try box.git("checkout", "-q", "-b", "topic", in: clone)
        try box.commit("topic work", in: clone)
        try box.git("checkout", "-q", "main", in: clone)
        try box.git("branch", "-q", "-D", "topic", in: clone)  // pinned
        let recorded = try box.events(in: clone).count
        let uninstall = try box.refuge("uninstall", in: clone)
        #expect(uninstall.stdout.contains("kept the audit log \(clone)/.git/refuge/audit.db: delete it when you no longer need the record"))
        #expect(uninstall.stdout.contains("kept 1 pin(s) under refs/refuge/kept/, and transfer.hideRefs refs/refuge: git refuge lost"))
        #expect(uninstall.stdout.contains("git refuge prune --older-than now removes them (then git config --unset transfer.hideRefs refs/refuge)"))
        #expect(try box.pins(in: clone).count == 1)

        try box.commit("while uninstalled 1", in: clone)
        try box.commit("while uninstalled 2", in: clone)
        let install = try box.refuge("install", in: clone)
        #expect(install.stdout.contains("note: 2 update(s) in the reflogs are not in the audit log: made while Refuge was not "
            + "installed here; git refuge backfill imports them"), "\(install.stdout)")
        #expect(try box.events(in: clone).count == recorded)
        let backfill = try box.json(BackfillOutput.self, ["backfill", "--json"], in: clone)
        #expect(backfill.1?.imported == 2)
        #expect(try box.events(in: clone).count == recorded + 2)
        // Installed again with nothing missed: no note.
        #expect(try !box.refuge("install", in: clone).stdout.contains("note:"))
    }

    @Test("recover into a ref git has locked: it says it could not write it (not that it moved), and nothing changes")
    func recoverLocked() throws {
        let box = try Sandbox()
        let (_, clone) = try box.pushedClone()
        let kept = try box.commit("kept", in: clone)
        try box.git("reset", "-q", "--hard", "HEAD~1", in: clone)
        let now = try box.revParse("main", in: clone)
        #expect(FileManager.default.createFile(atPath: "\(clone)/.git/refs/heads/main.lock", contents: Data()))
        let refused = try box.refuge("recover", "main", in: clone)
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("error: could not write refs/heads/main ("), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing changed. Check the repository's permissions and for a stale .lock file"))
        #expect(!refused.stderr.contains("moved while recovering"))
        #expect(try box.revParse("main", in: clone) == now)
        #expect(try box.git("status", "--porcelain", in: clone).stdout.isEmpty)  // the files were put back
        try FileManager.default.removeItem(atPath: "\(clone)/.git/refs/heads/main.lock")
        #expect(try box.refuge("recover", "main", in: clone).succeeded)
        #expect(try box.revParse("main", in: clone) == kept)
    }
}
