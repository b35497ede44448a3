import Foundation
import RefugeCore
import RefugeTestSupport
import Testing

/// Hooks never break git: bad input, a database that cannot be written, odd ref names.
@Suite("Robustness")
struct RobustnessTests {
    @Test("garbage on hook stdin: a warning naming the line, nothing recorded from it, the good line recorded")
    func garbageInput() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let head = try box.commit("base", in: clones[0])
        let zero = String(repeating: "0", count: 40)
        let input = "this is not a ref update\n\(zero) \(head) refs/heads/main\n\u{1}\u{2}binary junk\n\(zero) \(zero)\n"
        let hook = try box.runHook("\(server)/hooks/post-receive", [], in: server, environment: ["GIT_DIR": "."], input: input)
        #expect(hook.status == 0 && hook.stderr.isEmpty)  // the shim only spools: git is never held up
        let log = try box.refuge("log", "--json", in: server)
        #expect(log.succeeded)
        let warnings = log.stderr.split(separator: "\n")
        try #require(warnings.count == 3, "\(log.stderr)")
        #expect(warnings[0].contains("post-receive input line 1 ignored"))
        #expect(warnings[1].contains("line 3 ignored"))
        #expect(warnings[2].contains("line 4 ignored"))
        let events = try box.events(in: server)
        #expect(events.count == 1)
        #expect(events.first?.new == head)
    }

    @Test("an unwritable database: the push succeeds untouched; the record waits in the spool and is written later")
    func unwritableDatabase() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let blocked = box.path("blocked")
        try "not a directory".write(toFile: blocked, atomically: true, encoding: .utf8)
        try box.git("config", "refuge.database", "\(blocked)/audit.db", in: server)
        let head = try box.commit("base", in: clones[0])
        let push = try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(push.succeeded && push.stderr.isEmpty)
        let log = try box.refuge("log", in: server)
        #expect(log.status == 1)
        #expect(log.stderr.hasPrefix("error: cannot open the audit log \(blocked)/audit.db as \(Identity.accountName(uid: geteuid())): Not a directory; "))
        #expect(log.stderr.split(separator: "\n").count == 1)
        #expect(try box.refuge("status", in: server).stdout.contains("spool:       1 file(s) waiting"))

        try FileManager.default.removeItem(atPath: blocked)  // the disk is fixed
        #expect(try box.events(in: server).map { $0.new } == [head])
        #expect(box.spoolFiles(in: server) == 0)
    }

    @Test("ref names with non-ASCII, shell and SQL metacharacters are stored exactly and never interpreted")
    func oddRefNames() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        let canary = box.path("pwned")
        let names = [
            "naïve/ünïcødé-日本", "x;touch$IFS\(canary)", "$(touch$IFS\(canary))", "it's\"quoted\"",
            "a');DROP-TABLE-event;--", "`touch$IFS\(canary)`", String(repeating: "long", count: 60),
        ]
        for name in names {
            try box.gitArgs(["push", "-q", "origin", "HEAD:refs/heads/\(name)"], in: clones[0])
        }
        #expect(!FileManager.default.fileExists(atPath: canary))
        let serverRefs = Set(try box.events(in: server).compactMap { $0.ref })
        #expect(serverRefs == Set(names.map { "refs/heads/\($0)" }))
        let clientRefs = Set(try box.events(in: clones[0], "--side", "client").compactMap { $0.ref })
        #expect(clientRefs == serverRefs)
        let confirmed = try box.events(in: clones[0], "--side", "client").filter { $0.status == "confirmed" }
        #expect(confirmed.count == names.count)
        // The human listing prints them as they are.
        #expect(try box.refuge("log", in: server).stdout.contains("refs/heads/naïve/ünïcødé-日本"))
    }

    @Test("ref names with two 250-byte components are stored and shown exactly, on both sides")
    func longRefNames() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        let name = "refs/heads/" + String(repeating: "a", count: 250) + "/" + String(repeating: "é", count: 125)
        try box.gitArgs(["push", "-q", "origin", "HEAD:\(name)"], in: clones[0])
        #expect(try box.events(in: server).compactMap { $0.ref } == [name])
        #expect(try box.events(in: clones[0], "--side", "client").compactMap { $0.ref } == [name])
        #expect(try box.refuge("log", in: server).stdout.contains(name))
        let csv = try box.refuge("report", "--format", "csv", in: server).stdout
        #expect(csv.contains(",\(name),"))
    }

    @Test("backslashes in the pusher and push options are stored exactly (the shims never let echo read them)")
    func backslashes() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.git("config", "receive.advertisePushOptions", "true", in: server)
        try box.commit("base", in: clones[0])
        try box.git("push", "-q", "-o", #"path=C:\new\tab"#, "origin", "main", in: clones[0],
                    environment: ["REMOTE_USER": #"CORP\alice"#])
        let event = try box.events(in: server).first
        #expect(event?.pusher == #"CORP\alice"#)
        #expect(event?.pushOptions == [#"path=C:\new\tab"#])
    }

    @Test("10,000 refs in one push: every one stored exactly, on both sides, and the chain intact")
    func tenThousandRefs() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let clone = clones[0]
        let tip = try box.commit("base", in: clone)
        let names = (0..<10_000).map { "refs/heads/many/\($0)" }
        try box.git("update-ref", "--stdin", in: clone, input: names.map { "create \($0) \(tip)\n" }.joined())
        try box.gitArgs(["push", "-q", "origin", "refs/heads/many/*:refs/heads/many/*"], in: clone)
        let recorded = Set(try box.events(in: server).compactMap { $0.ref })
        #expect(recorded == Set(names))
        let client = try box.events(in: clone, "--side", "client")
        #expect(Set(client.compactMap { $0.ref }) == Set(names))
        #expect(client.allSatisfy { $0.status == "confirmed" })
        #expect(try box.refuge("verify", in: server).stdout.hasPrefix("chain intact: 10000 event(s)"))
    }

    @Test("a missing binary: pushes and deletions go on; the spool keeps everything for later")
    func missingBinary() throws {
        let box = try Sandbox()
        let (_, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        let environment = ["REFUGE_BIN": "/nonexistent/git-refuge"]
        try box.commit("base", in: alice)
        try box.git("branch", "topic", in: alice)
        try box.git("pack-refs", "--all", in: alice, environment: environment)
        let push = try box.git("push", "-q", "origin", "main", in: alice, environment: environment)
        #expect(push.succeeded && push.stderr.isEmpty)
        let deletion = try box.git("branch", "-D", "topic", in: alice, environment: environment)
        #expect(deletion.succeeded)
        #expect(try box.events(in: alice, "--ref", "topic").map { $0.kind } == ["create", "delete"])
    }

    @Test("a SHA-256 repository gets one clear line and a non-zero exit")
    func sha256Repository() throws {
        let box = try Sandbox()
        try box.git("init", "-q", "--object-format=sha256", box.path("sha"), in: box.root)
        let result = try box.refuge("log", in: box.path("sha"))
        #expect(result.status == 1)
        #expect(result.stderr == "error: opening the git repository at .: it is a SHA-256 repository, which Refuge cannot read yet (libgit2 1.5 supports SHA-1 only)\n")
    }

    @Test("a push over git daemon on loopback is recorded on both sides")
    func gitDaemon() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        // git-daemon itself, not the `git daemon` wrapper: terminating the wrapper leaves the daemon running.
        let execPath = try box.git("--exec-path", in: box.root).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var daemon = Process()
        var port = 0
        for _ in 0..<5 {
            daemon = Process()
            daemon.executableURL = URL(fileURLWithPath: "\(execPath)/git-daemon")
            port = Int.random(in: 20_000..<40_000)
            daemon.arguments = ["--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", "--export-all",
                                "--enable=receive-pack", "--base-path=\(box.root)", box.root]
            daemon.environment = box.baseEnvironment
            // Not the test runner's streams: a daemon holding them open keeps `swift test` waiting for EOF.
            daemon.standardInput = FileHandle.nullDevice
            daemon.standardOutput = FileHandle.nullDevice
            daemon.standardError = FileHandle.nullDevice
            try daemon.run()
            Thread.sleep(forTimeInterval: 0.5)
            if daemon.isRunning { break }
        }
        // SIGKILL: the daemon inherits the test thread's signal mask, in which SIGTERM may be blocked.
        defer { kill(daemon.processIdentifier, SIGKILL); daemon.waitUntilExit() }
        #expect(daemon.isRunning)
        let url = "git://127.0.0.1:\(port)/server.git"
        let head = try box.commit("over the wire", in: clones[0])
        try box.git("remote", "add", "daemon", url, in: clones[0])
        try box.git("push", "-q", "daemon", "HEAD:refs/heads/wire", in: clones[0])
        let accepted = try box.events(in: server, "--ref", "wire")
        #expect(accepted.map { $0.new } == [head])
        #expect(accepted.first?.status == "accepted")
        let attempted = try box.events(in: clones[0], "--ref", "wire", "--side", "client")
        #expect(attempted.first?.url == url)
        #expect(attempted.first?.remote == "daemon")
    }
}
