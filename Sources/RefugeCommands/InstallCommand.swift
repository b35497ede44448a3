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
            version brings, and removes pre-receive once refuge.protect is unset). Installed again after \
            a time without Refuge, it says how many updates were not recorded meanwhile.
            Examples:
              git refuge install
              git config --add refuge.protect refs/heads/main && git refuge install
                  on a server: also refuse forced updates of main
              git refuge -C /srv/git/project.git install --server
            """)

    @Flag(name: .long, help: "Install the client hooks, whatever the repository is.")
    var client = false

    @Flag(name: .long, help: "Install the server hooks, whatever the repository is.")
    var server = false

    @Flag(help: "On a server, also install pre-receive, which enforces refuge.protect (installed anyway when it is set).")
    var policy = false

    @Flag(help: "Install even into a hooks directory that another account owns (its hooks would run Refuge).")
    var force = false

    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if client && server { throw ValidationError("--client and --server cannot be used together") }
        if client && policy { throw ValidationError("--policy is for servers: it installs pre-receive") }
    }

    func run() throws {
        try reportingFailures {
            let repository = try repository.repository()
            let installer = HookInstaller(repository: repository)
            let role = client ? .client : server ? .server : installer.defaultRole()
            let location = try AuditLocation.resolve(for: repository, environment: environment)
            let changes = try installer.install(role: role, binaryPath: Self.executablePath(), location: location, policy: policy,
                                                allowForeignOwner: force)
            for change in changes where !change.removed {
                let chained = change.chained.map { " (runs the existing hook, kept as \($0))" } ?? ""
                print("installed \(change.hook.rawValue) at \(change.path)\(chained)")
            }
            for change in changes where change.removed {
                let restored = change.chained == nil ? "" : "; restored the hook that was there before"
                print("removed \(change.hook.rawValue) from \(change.path): refuge.protect is not set\(restored)")
            }
            print("audit log: \(location.databasePath)")
            // Hooks that were not there: updates made meanwhile went unrecorded, and the reflogs still have them.
            if changes.contains(where: { !$0.removed && !$0.wasInstalled }),
               let gap = try? Backfill.gap(in: repository, location: location), gap > 0 {
                print("note: \(gap) update(s) in the reflogs are not in the audit log: made while Refuge was not "
                    + "installed here; git refuge backfill imports them")
            }
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
