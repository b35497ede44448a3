import Foundation
import Synchronization

/// A temporary directory with its own HOME and git identity, where tests run the real `git` and the real
/// `git-refuge` binary (built next to the test bundle). Removed when the test ends.
///
/// Hermetic: the machine's git configuration stays out (`GIT_CONFIG_NOSYSTEM`, its own HOME and
/// XDG_CONFIG_HOME, no `GIT_*` or `REFUGE_*` variable of the caller's), and so do its locale and time zone
/// (`LC_ALL=C`, `TZ=UTC`). Commits get the real time, as reflogs and `--since` need, unless a test asks
/// for fixed dates (`commit(_:in:at:)`), which give the same commit ids in every run.
public final class Sandbox: @unchecked Sendable {  // immutable after init
    public let root: String
    public let binDirectory: String

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var succeeded: Bool { status == 0 }
    }

    public init() throws {
        let base = FileManager.default.temporaryDirectory.path
        root = "\(base)/refuge-test-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: "\(root)/home", withIntermediateDirectories: true)
        binDirectory = Self.productsDirectory()
        try """
            [user]
            \tname = Test Person
            \temail = test@example.com
            [init]
            \tdefaultBranch = main
            [advice]
            \tdetachedHead = false
            [gc]
            \tauto = 0
            [commit]
            \tgpgSign = false
            [tag]
            \tgpgSign = false
            """.write(toFile: "\(root)/home/.gitconfig", atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The directory holding the built `git-refuge`: the test bundle's own directory.
    public static func productsDirectory() -> String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var directory = (exe as NSString).deletingLastPathComponent
        while !directory.isEmpty, directory != "/" {
            if FileManager.default.isExecutableFile(atPath: "\(directory)/git-refuge") { return directory }
            directory = (directory as NSString).deletingLastPathComponent
        }
        return (exe as NSString).deletingLastPathComponent
    }

    public var refugeBinary: String { "\(binDirectory)/git-refuge" }

    public func path(_ relative: String) -> String { "\(root)/\(relative)" }

    public var baseEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("GIT_") || key.hasPrefix("REFUGE_") || key.hasPrefix("LC_") {
            environment[key] = nil
        }
        environment["HOME"] = "\(root)/home"
        environment["XDG_CONFIG_HOME"] = "\(root)/home/.config"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["LC_ALL"] = "C"
        environment["LANG"] = "C"
        environment["TZ"] = "UTC"
        environment["PATH"] = "\(binDirectory):" + (environment["PATH"] ?? "/usr/bin:/bin")
        environment["NO_COLOR"] = "1"
        return environment
    }

    /// git's date for the `n`th fixed instant: 2026-01-01 00:00 UTC plus `n` minutes.
    public static func fixedDate(_ n: Int) -> String { "@\(1_767_225_600 + 60 * n) +0000" }

    /// Runs a program to completion. `input` is written to its stdin.
    @discardableResult
    public func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
             environment extra: [String: String] = [:], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? root)
        process.environment = baseEnvironment.merging(extra) { _, new in new }
        return try Self.collect(process, input: input)
    }

    /// Runs a configured process to completion, `input` on its stdin, and collects what it printed.
    public static func collect(_ process: Process, input: String?) throws -> Result {
        let stdout = Pipe(), stderr = Pipe(), stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { try? stdin.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try? stdin.fileHandleForWriting.close()
        // Read both pipes concurrently so that neither fills up and blocks the child.
        let errorData = Mutex(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            let data = stderr.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }

    /// Runs an installed hook shim as git would: as the child of a process that then exits (the shims
    /// spool into a file named after their parent, drained once that parent is gone).
    @discardableResult
    public func runHook(_ path: String, _ arguments: [String], in directory: String, environment: [String: String] = [:],
                 input: String) throws -> Result {
        try run("/bin/sh", ["-c", "\"$0\" \"$@\"; status=$?; exit $status", path] + arguments,
                in: directory, environment: environment, input: input)
    }

    /// Runs git; throws `GitFailed` (with git's stderr) when it fails, unless `allowFailure`.
    @discardableResult
    public func git(_ arguments: String..., in directory: String, environment: [String: String] = [:], input: String? = nil,
             allowFailure: Bool = false) throws -> Result {
        try gitArgs(arguments, in: directory, environment: environment, input: input, allowFailure: allowFailure)
    }

    @discardableResult
    public func gitArgs(_ arguments: [String], in directory: String, environment: [String: String] = [:], input: String? = nil,
                 allowFailure: Bool = false) throws -> Result {
        let result = try run("git", arguments, in: directory, environment: environment, input: input)
        if !allowFailure && !result.succeeded {
            throw GitFailed(arguments: arguments, stderr: result.stderr)
        }
        return result
    }

    /// Runs `git-refuge` with `arguments` in `directory`.
    @discardableResult
    public func refuge(_ arguments: String..., in directory: String, environment: [String: String] = [:],
                input: String? = nil) throws -> Result {
        try run(refugeBinary, arguments, in: directory, environment: environment, input: input)
    }

    /// The output of `git rev-parse` for `revision`.
    public func revParse(_ revision: String, in directory: String) throws -> String {
        try git("rev-parse", revision, in: directory).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// git's output, trimmed; throws (with git's stderr) when git fails.
    @discardableResult
    public func gitOutput(_ arguments: String..., in directory: String? = nil) throws -> String {
        let result = try run("git", arguments, in: directory ?? root)
        guard result.succeeded else { throw GitFailed(arguments: arguments, stderr: result.stderr) }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A git command a test needed failed; thrown (the test fails with git's words) unless `allowFailure`.
    public struct GitFailed: Error, CustomStringConvertible {
        public let arguments: [String], stderr: String
        public var description: String { "git \(arguments.joined(separator: " ")) failed: \(stderr)" }
    }

    /// A git-refuge command a helper needed failed.
    public struct RefugeFailed: Error, CustomStringConvertible {
        public let arguments: [String], stderr: String
        public var description: String { "git refuge \(arguments.joined(separator: " ")) failed: \(stderr)" }
    }

    /// `git-refuge log --json` (plus `extra`), decoded.
    public func events(in directory: String, _ extra: String..., environment: [String: String] = [:]) throws -> [LoggedEvent] {
        let result = try run(refugeBinary, ["log", "--json"] + extra, in: directory, environment: environment)
        guard result.succeeded else {
            throw RefugeFailed(arguments: ["log", "--json"] + extra, stderr: result.stderr)
        }
        return try Output.decode([LoggedEvent].self, from: result.stdout)
    }

    /// Runs `git refuge ARGUMENTS` (which must include `--json` or `--format json`) and decodes what it
    /// printed; nil when it printed no JSON (it failed before, say).
    public func json<T: Decodable>(_ type: T.Type, _ arguments: [String], in directory: String,
                                   environment: [String: String] = [:]) throws -> (Result, T?) {
        let result = try run(refugeBinary, arguments, in: directory, environment: environment)
        return (result, try? Output.decode(type, from: result.stdout))
    }

    /// The number of spool files (`rt.*`) waiting in a repository's git directory.
    public func spoolFiles(in gitDirectory: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "\(gitDirectory)/refuge/spool")) ?? [])
            .filter { $0.hasPrefix("rt.") }.count
    }

    // MARK: Scenes

    /// A bare server and one clone (alice's), both with Refuge's hooks, with a first commit on main pushed.
    public func pushedClone() throws -> (server: String, clone: String) {
        let (server, clones) = try serverWithClones("alice")
        try commit("base", in: clones[0])
        try git("push", "-q", "origin", "main", in: clones[0])
        return (server, clones[0])
    }

    /// The refs under `refs/refuge/` (Refuge's pins), by name.
    public func pins(in directory: String) throws -> [String] {
        try git("for-each-ref", "--format=%(refname)", "refs/refuge/", in: directory).stdout
            .split(separator: "\n").map(String.init)
    }

    /// A bare server with Refuge's server hooks, and `clones` named clones with client hooks.
    public func serverWithClones(_ names: String...) throws -> (server: String, clones: [String]) {
        let server = path("server.git")
        try git("init", "--bare", "-q", server, in: root)
        let install = try refuge("install", in: server)
        guard install.succeeded else { throw RefugeFailed(arguments: ["install"], stderr: install.stderr) }
        var clones: [String] = []
        for name in names {
            let clone = path(name)
            try git("clone", "-q", server, clone, in: root)
            try git("config", "user.name", name.capitalized, in: clone)
            try git("config", "user.email", "\(name)@example.com", in: clone)
            try refuge("install", in: clone)
            clones.append(clone)
        }
        return (server, clones)
    }

    /// Two clones of a server sharing main: `first` pushed a base commit, `second` pulled it.
    public func sharedMain(_ first: String, _ second: String) throws -> (server: String, first: String, second: String) {
        let (server, clones) = try serverWithClones(first, second)
        try commit("base", in: clones[0])
        try git("push", "-q", "origin", "main", in: clones[0])
        try git("pull", "-q", "origin", "main", in: clones[1])
        return (server, clones[0], clones[1])
    }

    /// The force-push hazard: Alice and Bob share main on a server; Bob pushes a fix; Alice commits her own
    /// work and, when `fetch`, fetches (as an IDE does every minute), leaving Bob's fix unmerged.
    public func divergedTeam(fetch: Bool = true) throws -> (server: String, alice: String, fix: String) {
        let (server, clones) = try serverWithClones("alice", "bob")
        let (alice, bob) = (clones[0], clones[1])
        try commit("base", in: alice)
        try git("push", "-q", "origin", "main", in: alice)
        try git("pull", "-q", "origin", "main", in: bob)
        let fix = try commit("bob's fix", in: bob)
        try git("push", "-q", "origin", "main", in: bob)
        try commit("alice's work", in: alice)
        if fetch { try git("fetch", "-q", "origin", in: alice) }
        return (server, alice, fix)
    }

    /// Makes a commit with a file change, returns its id. With `at`, author and committer dates are the
    /// `at`th fixed instant (`fixedDate`): the same content then has the same id in every run.
    @discardableResult
    public func commit(_ message: String, in directory: String, file: String? = nil, at fixed: Int? = nil) throws -> String {
        let name = file ?? (fixed.map { "file-\($0).txt" } ?? "file-\(UUID().uuidString.prefix(6)).txt")
        try "\(message)\n".write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        try git("add", name, in: directory)
        let dates = fixed.map { ["GIT_AUTHOR_DATE": Self.fixedDate($0), "GIT_COMMITTER_DATE": Self.fixedDate($0)] } ?? [:]
        try git("commit", "-q", "-m", message, in: directory, environment: dates)
        return try revParse("HEAD", in: directory)
    }
}
