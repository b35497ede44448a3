import Foundation

/// Scenes for the fleet's tests: more servers, large logs, shippers run in the background.
extension Sandbox {
    /// Another bare server named `name` with Refuge, and a clone of it named `clone` with client hooks.
    public func server(named name: String, clone cloneName: String) throws -> (server: String, clone: String) {
        let server = path(name)
        try git("init", "--bare", "-q", server, in: root)
        try refuge("install", in: server)
        let clone = path(cloneName)
        try git("clone", "-q", server, clone, in: root)
        try git("config", "user.name", cloneName.capitalized, in: clone)
        try git("config", "user.email", "\(cloneName)@example.com", in: clone)
        try refuge("install", in: clone)
        return (server, clone)
    }

    /// A repository with Refuge whose log holds `entries` + 2 events: a branch's reflog of `entries` steps
    /// between two commits (every other one a forced update; main's two commits are the other two), written as git writes reflogs and imported
    /// with `git refuge backfill`. A large log in seconds, for the shipping tests.
    public func repositoryWithEvents(_ entries: Int, named name: String = "many") throws -> String {
        let repository = path(name)
        try git("init", "-q", repository, in: root)
        let first = try commit("first", in: repository), second = try commit("second", in: repository)
        try refuge("install", in: repository)
        var lines = ["\(String(repeating: "0", count: 40)) \(first) T <t@example.com> 1767225600 +0000\tbranch: Created"]
        var current = first
        for step in 0..<entries - 1 {
            let next = current == first ? second : first
            lines.append("\(current) \(next) T <t@example.com> \(1_767_225_601 + step) +0000\treset: moving")
            current = next
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(repository)/.git/logs/refs/heads/many", atomically: true, encoding: .utf8)
        try "\(current)\n".write(toFile: "\(repository)/.git/refs/heads/many", atomically: true, encoding: .utf8)
        let backfill = try refuge("backfill", in: repository)
        guard backfill.succeeded else { throw RefugeFailed(arguments: ["backfill"], stderr: backfill.stderr) }
        return repository
    }

    /// `git refuge ship --to conninfo --json extra…` in `repository`.
    public func ship(_ repository: String, to conninfo: String, _ extra: String...) throws -> (Result, ShipOutput?) {
        try json(ShipOutput.self, ["ship", "--to", conninfo, "--json"] + extra, in: repository)
    }

    /// `git refuge arguments…` started in the background; its standard error goes to `stderrPath`.
    public func startRefuge(_ arguments: [String], in directory: String, stderrPath: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: refugeBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = baseEnvironment
        process.standardOutput = FileHandle.nullDevice
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath) ?? FileHandle.nullDevice
        try process.run()
        return process
    }
}
