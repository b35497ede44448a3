import Foundation
import RefugeTestSupport
import Testing

/// The audit log unwritable, full or damaged: git is never stopped, people see one warning line per push,
/// nothing is lost (the spool keeps it), and `doctor` says what is wrong and how to repair it.
@Suite("Faults")
struct FaultTests {
    func doctor(_ box: Sandbox, in directory: String) throws -> (Sandbox.Result, [DoctorOutput.Finding]) {
        let (result, output) = try box.json(DoctorOutput.self, ["doctor", "--json"], in: directory)
        return (result, output?.findings ?? [])
    }

    @Test("a database directory that cannot be written: pushes go on with one warning line; doctor explains; nothing lost")
    func unwritable() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        let blocked = box.path("blocked")
        try "a file where a directory should be".write(toFile: blocked, atomically: true, encoding: .utf8)
        try box.git("config", "refuge.database", "\(blocked)/audit.db", in: server)
        let first = try box.commit("first", in: alice)
        #expect(try box.git("push", "-q", "origin", "main", in: alice).stderr.isEmpty)  // no drain has failed yet
        #expect(try box.refuge("drain", in: server).status != 0)
        let second = try box.commit("second", in: alice)
        let push = try box.git("push", "-q", "origin", "main", in: alice)
        #expect(push.succeeded)
        let warnings = push.stderr.split(separator: "\n")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("refuge: warning: the audit log cannot be written; this push waits in the spool") == true)

        let (report, findings) = try doctor(box, in: server)
        #expect(report.status == 1)
        let errors = findings.filter { $0.severity == "error" }
        #expect(errors.contains { $0.what?.contains("\(blocked) is a file") == true })
        #expect(errors.contains { $0.area == "spool" && $0.what?.contains("could not write the log") == true })
        #expect(errors.allSatisfy { ($0.fix ?? "").isEmpty == false })

        try FileManager.default.removeItem(atPath: blocked)  // repaired
        #expect(try box.events(in: server).map { $0.new } == [first, second])
        #expect(try box.refuge("doctor", in: server).status == 0)
        #expect(try box.git("push", "-q", "origin", "main:other", in: alice).stderr.isEmpty)  // the warning is gone
    }

    @Test("a full disk (ulimit -f) while draining: the drain fails cleanly, the records wait, and land later")
    func fullDisk() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        let alice = clones[0]
        try box.commit("base", in: alice)
        try box.git("push", "-q", "origin", "main", in: alice)
        #expect(try box.events(in: server).count == 1)
        var pushed: [String] = []
        for n in 0..<5 {
            pushed.append(try box.commit("work \(n)", in: alice))
            try box.git("push", "-q", "origin", "main", in: alice)
        }
        // Files may not grow past 512 bytes: SQLite's journal cannot be written.
        let starved = try box.run("/bin/sh", ["-c", "ulimit -f 1; exec \"$0\" drain", box.refugeBinary], in: server)
        #expect(starved.status != 0 || !starved.stderr.isEmpty)
        #expect(!(starved.stderr.contains("File size limit exceeded")))
        // SQLite fails where it first writes: opening (its WAL) or appending.
        #expect(starved.stderr.contains("disk I/O error") || starved.stderr.contains("cannot record spool file"))
        let waiting = try FileManager.default.contentsOfDirectory(atPath: "\(server)/refuge/spool").filter { $0.hasPrefix("rt.") }
        #expect(waiting.count == 5)
        #expect(try box.run(box.refugeBinary, ["doctor"], in: server).status == 1)

        let events = try box.events(in: server)  // room again
        #expect(events.dropFirst().map { $0.new } == pushed)
        #expect(try box.run(box.refugeBinary, ["verify"], in: server).status == 0)
    }

    @Test("a hook writing its spool over a file-size limit warns and lets git go on")
    func hookOverFileSizeLimit() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        let head = try box.revParse("HEAD", in: clones[0])
        let zero = String(repeating: "0", count: 40)
        let hook = "\(server)/hooks/post-receive"
        let result = try box.run("/bin/sh", ["-c", "ulimit -f 0; \"$0\"; echo \"exit $?\"", hook], in: server,
                                 environment: ["GIT_DIR": "."], input: "\(zero) \(head) refs/heads/main\n")
        #expect(result.stdout == "exit 0\n")
        #expect(result.stderr.contains("refuge: warning: cannot write to"))
    }

    @Test("a damaged database: the push goes on, status and doctor name it and the repair; then the kept records land in a new log")
    func damaged() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("alice")
        try box.commit("base", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(try box.events(in: server).count == 1)
        let database = "\(server)/refuge/audit.db"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: database))
        let kept = try box.commit("kept", in: clones[0])
        let push = try box.git("push", "-q", "origin", "main", in: clones[0])
        #expect(push.succeeded && push.stderr.isEmpty)  // no drain has failed yet: nothing to warn about
        let status = try box.refuge("status", in: server)
        #expect(status.status == 1 && status.stdout.contains("file is not a database"))
        #expect(try box.refuge("log", in: server).status == 1)
        let (report, findings) = try doctor(box, in: server)
        #expect(report.status == 1)
        let problem = findings.first { $0.area == "audit log" && $0.severity == "error" }
        #expect(problem?.what?.contains("not a database") == true)
        #expect(problem?.fix?.contains("mv \(database) \(database).damaged") == true)
        try FileManager.default.moveItem(atPath: database, toPath: database + ".damaged")
        #expect(try box.events(in: server).map { $0.new } == [kept])
    }
}
