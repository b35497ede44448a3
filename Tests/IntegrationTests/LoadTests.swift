import Foundation
import Synchronization
import RefugeTestSupport
import Testing

/// Many writers at once, and writers killed half-way: every accepted update recorded exactly once, the
/// hash chain intact, no "database is locked" reaching anyone. (Benchmarks/stress.sh is the heavy version.)
@Suite("Load and faults")
struct LoadTests {
    /// Starts `git-refuge ARGS` in `directory` without waiting for it.
    func start(_ box: Sandbox, _ arguments: [String], in directory: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: box.refugeBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = box.baseEnvironment
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        return process
    }

    func verified(_ box: Sandbox, in directory: String) throws -> VerifyOutput {
        let result = try box.run(box.refugeBinary, ["verify", "--json"], in: directory)
        #expect(result.status == 0, "verify: \(result.stdout) \(result.stderr)")
        return Output.object(VerifyOutput.self, from: result.stdout)
    }

    @Test("8 pushers × 4 pushes to their own refs while 3 drains loop: each update once, the chain intact")
    func distinctRefsWithConcurrentDrains() throws {
        let box = try Sandbox()
        let names = (0..<8).map { "p\($0)" }
        let (server, clones) = try box.serverWithClones("p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7")
        for (index, clone) in clones.enumerated() { try box.commit("root \(index)", in: clone) }
        let pushes = 4
        let stop = Atomic(false)
        let drainErrors = Mutex<[String]>([])
        let drains = DispatchGroup()
        for _ in 0..<3 {
            drains.enter()
            DispatchQueue.global().async {
                defer { drains.leave() }
                while !stop.load(ordering: .acquiring) {
                    let result = try? box.run(box.refugeBinary, ["drain"], in: server)
                    if let result, !result.succeeded || !result.stderr.isEmpty {
                        drainErrors.withLock { $0.append(result.stderr) }
                    }
                }
            }
        }
        let pushers = DispatchGroup()
        let pushErrors = Mutex<[String]>([])
        for (index, clone) in clones.enumerated() {
            pushers.enter()
            DispatchQueue.global().async {
                defer { pushers.leave() }
                for push in 0..<pushes {
                    let result = try? box.run("git", ["push", "-q", "origin", "HEAD:refs/heads/\(names[index])-\(push)"], in: clone)
                    if result?.succeeded != true || !(result?.stderr.isEmpty ?? true) {
                        pushErrors.withLock { $0.append(result?.stderr ?? "no result") }
                    }
                }
            }
        }
        pushers.wait()
        stop.store(true, ordering: .releasing)
        drains.wait()
        let (failedPushes, failedDrains) = (pushErrors.withLock { $0 }, drainErrors.withLock { $0 })
        #expect(failedPushes.isEmpty, "\(failedPushes)")
        #expect(failedDrains.isEmpty, "\(failedDrains)")
        let events = try box.events(in: server)
        #expect(events.count == clones.count * pushes)
        #expect(Set(events.compactMap { $0.ref }).count == clones.count * pushes)
        #expect(events.allSatisfy { $0.side == "server" && $0.status == "accepted" })
        #expect(try verified(box, in: server).events == clones.count * pushes)
    }

    @Test("twelve commands opening a new log at the same moment, five times: one creates it, none fails")
    func concurrentFirstOpen() throws {
        for _ in 0..<5 {
            let box = try Sandbox()
            let repo = box.path("fresh")
            try box.git("init", "-q", repo, in: box.root)
            try box.commit("base", in: repo)
            let processes = try (0..<12).map { _ in try start(box, ["drain"], in: repo) }
            for process in processes { process.waitUntilExit() }
            #expect(processes.allSatisfy { $0.terminationStatus == 0 })
            let errors = processes.compactMap { ($0.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() }
                .map { String(decoding: $0, as: UTF8.self) }.filter { !$0.isEmpty }
            #expect(errors.isEmpty, "\(errors)")
            #expect(try box.run(box.refugeBinary, ["verify"], in: repo).status == 0)
        }
    }

    @Test("6 pushers racing on one branch: every accepted push recorded once, refused ones not at all")
    func sameRef() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("r0", "r1", "r2", "r3", "r4", "r5")
        try box.commit("base", in: clones[0])
        try box.git("push", "-q", "origin", "main", in: clones[0])
        for clone in clones.dropFirst() { try box.git("pull", "-q", "origin", "main", in: clone) }
        let acceptedPushes = Atomic(0)
        let lockErrors = Mutex<[String]>([])
        let group = DispatchGroup()
        for (index, clone) in clones.enumerated() {
            group.enter()
            DispatchQueue.global().async {
                defer { group.leave() }
                for round in 0..<3 {
                    _ = try? box.commit("r\(index) round \(round)", in: clone)
                    for _ in 0..<20 {  // refused as non-fast-forward: rebase on what won, push again
                        guard let push = try? box.run("git", ["push", "-q", "origin", "main"], in: clone) else { break }
                        if push.succeeded { acceptedPushes.add(1, ordering: .relaxed); break }
                        if push.stderr.contains("locked") { lockErrors.withLock { $0.append(push.stderr) } }
                        _ = try? box.run("git", ["pull", "-q", "--rebase", "origin", "main"], in: clone)
                    }
                }
            }
        }
        group.wait()
        let (accepted, errors) = (acceptedPushes.load(ordering: .relaxed), lockErrors.withLock { $0 })
        #expect(errors.isEmpty, "\(errors)")
        #expect(accepted == 18)
        let onMain = try box.events(in: server, "--ref", "main")
        #expect(onMain.count == accepted + 1)  // and the creation
        #expect(onMain.allSatisfy { $0.status == "accepted" })
        #expect(onMain.dropFirst().allSatisfy { $0.kind == "fast-forward" })
        // Each accepted update starts where the previous one ended: none missing, none twice.
        for (previous, next) in zip(onMain, onMain.dropFirst()) { #expect(next.old == previous.new) }
        #expect(try verified(box, in: server).events == accepted + 1)
    }

    /// Pids of running processes whose command line contains `needle` and whose working directory is
    /// `directory` (tests run in parallel: only this test's hooks).
    static func processes(matching needle: String, in directory: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> Int32? in
            guard let pid = Int32(entry), pid != getpid(),
                  let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                  String(decoding: data, as: UTF8.self).contains(needle),
                  (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(entry)/cwd")) == directory
            else { return nil }
            return pid
        }
    }

    @Test("post-receive killed with SIGKILL while it writes, five pushes of 200 refs: no accepted update missing")
    func killedHooks() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("h")
        let clone = clones[0]
        try box.commit("base", in: clone)
        var pushed: Set<String> = []
        var killed = 0
        for round in 0..<5 {
            let refs = (0..<200).map { "refs/heads/r\(round)-\($0)" }
            pushed.formUnion(refs)
            let done = Atomic(false)
            let kills = Atomic(0)
            let killer = DispatchGroup()
            killer.enter()
            DispatchQueue.global().async {
                defer { killer.leave() }
                while !done.load(ordering: .acquiring) {
                    for pid in Self.processes(matching: "hooks/post-receive", in: server) {
                        usleep(useconds_t(round * 400))  // a little later each round
                        if kill(pid, SIGKILL) == 0 { kills.add(1, ordering: .relaxed) }
                    }
                    usleep(200)
                }
            }
            let push = try box.gitArgs(["push", "-q", "origin"] + refs.map { "HEAD:\($0)" }, in: clone)
            done.store(true, ordering: .releasing)
            killer.wait()
            killed += kills.load(ordering: .relaxed)
            #expect(push.succeeded, "the push must not fail because its post-receive died: \(push.stderr)")
        }
        let recorded = Set(try box.events(in: server).filter { $0.status != "rejected" }.compactMap { $0.ref })
        #expect(recorded == pushed, "missing: \(pushed.subtracting(recorded).sorted().prefix(5))")
        #expect(try box.refuge("verify", in: server).status == 0)
        // Not a test of luck: post-receive was really killed (while writing or before it could).
        #expect(killed > 0)
    }

    @Test("a reused pid writing into a claimed file: its open block is not cut, it is read once complete")
    func reusedPid() throws {
        let box = try Sandbox()
        let repo = box.path("repo")
        try box.git("init", "-q", repo, in: box.root)
        try box.refuge("install", in: repo)
        let tip = try box.commit("base", in: repo)
        try box.refuge("drain", in: repo)
        let spool = "\(repo)/.git/refuge/spool"
        let zero = String(repeating: "0", count: 40)
        // A file named after a live pid (this test's), whose last block has no closing line yet: as if a
        // new process with a dead writer's pid were writing it when a drain claimed it.
        let name = "rt.\(getpid()).draining-999999"
        try "C 1.00\n\(zero) \(tip) refs/heads/one\n.\nC 2.00\n\(zero) \(tip) refs/heads/two\n"
            .write(toFile: "\(spool)/\(name)", atomically: true, encoding: .utf8)
        try box.refuge("drain", in: repo)
        #expect(!(try box.events(in: repo).contains { $0.ref == "refs/heads/one" }))  // held, whole
        let held = try FileManager.default.contentsOfDirectory(atPath: spool).filter { $0.hasPrefix("rt.") }
        #expect(held.count == 1)
        // The writer finishes its block; the next drain records both blocks, once.
        let handle = try #require(FileHandle(forWritingAtPath: "\(spool)/\(held[0])"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\(zero) \(tip) refs/heads/three\n.\n".utf8))
        try handle.close()
        // (A drain takes over a claimed file only from a drainer that has ended: rename it as one would be.)
        try FileManager.default.moveItem(atPath: "\(spool)/\(held[0])", toPath: "\(spool)/\(name)")
        let refs = try box.events(in: repo).compactMap { $0.ref }
        #expect(refs.filter { ["refs/heads/one", "refs/heads/two", "refs/heads/three"].contains($0) }
            == ["refs/heads/one", "refs/heads/two", "refs/heads/three"])
    }

    @Test("drains killed with SIGKILL half-way, ten times: nothing lost, nothing twice, the chain intact")
    func killedDrains() throws {
        let box = try Sandbox()
        let (server, clones) = try box.serverWithClones("k")
        let clone = clones[0]
        try box.commit("base", in: clone)
        let refs = 40
        // 40 pushes, no command run on the server: 40 spool files wait there.
        for n in 0..<refs { try box.git("push", "-q", "origin", "HEAD:refs/heads/k\(n)", in: clone) }
        var delays = [2_000, 5_000, 8_000, 12_000, 16_000, 20_000, 25_000, 30_000, 40_000, 60_000]  // µs
        delays.shuffle()
        for delay in delays {
            let drain = try start(box, ["drain"], in: server)
            usleep(useconds_t(delay))
            kill(drain.processIdentifier, SIGKILL)
            drain.waitUntilExit()
        }
        let events = try box.events(in: server)  // the last drain, not killed
        #expect(events.count == refs)
        #expect(Set(events.compactMap { $0.ref }).count == refs)
        let spool = try FileManager.default.contentsOfDirectory(atPath: "\(server)/refuge/spool").filter { $0.hasPrefix("rt.") }
        #expect(spool.isEmpty, "left in the spool: \(spool)")
        #expect(try verified(box, in: server).events == refs)
    }
}
