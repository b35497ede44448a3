import ArgumentParser
import Foundation
import GitKit
import RefugeCore

struct InstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "install",
        abstract: "Install Refuge's hooks in a repository.",
        discussion: """
            Client hooks (pre-push, reference-transaction, post-checkout) for a clone; server hooks \
            (post-receive, reference-transaction) for a bare repository, where core.logAllRefUpdates is also \
            turned on. core.hooksPath is honoured. A hook already there is kept as refuge-chained/<hook> and \
            still runs, with the same input. Running install again is harmless (and adds hooks a newer \
            version brings).
            """)

    @Flag(name: .long, help: "Install the client hooks, whatever the repository is.")
    var client = false

    @Flag(name: .long, help: "Install the server hooks, whatever the repository is.")
    var server = false

    @Flag(help: "On a server, also install pre-receive, which enforces refuge.protect (installed anyway when it is set).")
    var policy = false

    @Flag(help: "Install even into a hooks directory that another account owns (its hooks would run Refuge).")
    var force = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in <path>.", valueName: "path"))
    var path: String?

    func validate() throws {
        if client && server { throw ValidationError("--client and --server cannot be used together") }
        if client && policy { throw ValidationError("--policy is for servers: it installs pre-receive") }
    }

    func run() throws {
        try reportingFailures {
            let repository = try Repository.forCommand(path: path)
            let installer = HookInstaller(repository: repository)
            let role = client ? .client : server ? .server : installer.defaultRole()
            let location = try AuditLocation.resolve(for: repository, environment: environment)
            let changes = try installer.install(role: role, binaryPath: Self.executablePath(), location: location, policy: policy,
                                                allowForeignOwner: force)
            for change in changes {
                let chained = change.chained.map { " (runs the existing hook, kept as \($0))" } ?? ""
                print("installed \(change.hook.rawValue) at \(change.path)\(chained)")
            }
            print("audit log: \(location.databasePath)")
            // Refuge's own commit-graph (libgit2 cannot read git's): with it, the drain that classifies a
            // large forced update walks the graph instead of reading every commit (time, and peak memory:
            // 38 instead of 46 MiB for 10,000 commits; Docs/Performance.md). `lost` keeps it fresh.
            // (Not in a repository without commits yet: an empty graph would only stand in the way.)
            let started = Date()
            if (try? repository.directReferences())?.isEmpty == false, repository.refreshCommitGraph() {
                print("commit-graph: written for Refuge's walks in \(Int(Date().timeIntervalSince(started) * 1000)) ms")
            }
        }
    }

    /// The absolute path of this binary, written into the shims.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
