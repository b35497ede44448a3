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
            Where the hooks go depends on who manages them (--layout forces a choice): plain (git's \
            hooks/), hooks-path (core.hooksPath), dot-d (Gitea and Forgejo run hooks/<hook>.d/*), gitaly \
            (GitLab: custom_hooks/<hook>.d/), gitolite (its LOCAL_CODE/hooks/common, linked into every \
            repository as gitolite setup links it). Docs/Servers.md says how each is found out.
            Examples:
              git refuge install
              git config --add refuge.protect refs/heads/main && git refuge install
                  on a server: also refuse forced updates of main
              git refuge -C /srv/git/project.git install --server
              git refuge install --server --repositories /srv/git --group git
                  every bare repository there, one log shared by the group
            """)

    @Flag(name: .long, help: "Install the client hooks, whatever the repository is.")
    var client = false

    @Flag(name: .long, help: "Install the server hooks, whatever the repository is.")
    var server = false

    @Flag(help: "On a server, also install pre-receive, which enforces refuge.protect (installed anyway when it is set).")
    var policy = false

    @Flag(help: "Install even into a hooks directory that another account owns (its hooks would run Refuge).")
    var force = false

    @Option(help: ArgumentHelp("Where the hooks go, instead of finding out: \(HookLayout.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "name"))
    var layout: HookLayout?

    @Option(help: ArgumentHelp("Install into every bare repository under this directory (implies --server).", valueName: "root"))
    var repositories: String?

    @Option(help: ArgumentHelp("With --repositories: the audit log of the repositories that name none "
                               + "(default: <root>/.refuge/audit.db).", valueName: "path"))
    var database: String?

    @Option(help: ArgumentHelp("With --repositories: share the audit log and the spools with this group "
                               + "(refuge.sharedDatabase), for pushers under several accounts.", valueName: "group"))
    var group: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if client && server { throw ValidationError("--client and --server cannot be used together") }
        if client && policy { throw ValidationError("--policy is for servers: it installs pre-receive") }
        if client && repositories != nil { throw ValidationError("--repositories installs the server hooks: drop --client") }
        if repositories == nil && (database != nil || group != nil) {
            throw ValidationError("--database and --group go with --repositories (for one repository: git config refuge.database)")
        }
        if output.json && repositories == nil { throw ValidationError("--json goes with --repositories") }
    }

    func run() throws {
        if let repositories { return try runEverywhere(under: repositories) }
        try reportingFailures {
            let repository = try repository.repository()
            let installer = HookInstaller(repository: repository)
            let role = client ? .client : server ? .server : installer.defaultRole()
            let location = try AuditLocation.resolve(for: repository, environment: environment)
            let installed = try installer.install(role: role, binaryPath: Self.executablePath(), location: location, policy: policy,
                                                  allowForeignOwner: force, layout: layout)
            let (changes, resolved) = (installed.changes, installed.layout)
            print("layout: \(resolved.layout.rawValue) (\(resolved.reason))")
            for change in changes where change.unsupported {
                print("skipped \(change.hook.rawValue): the \(resolved.layout.rawValue) layout never runs it"
                    + (change.hook == .referenceTransaction ? " (the server's own ref updates are not recorded)" : ""))
            }
            for change in changes where !change.removed && !change.unsupported {
                let chained = change.chained.map { " (runs the existing hook, kept as \($0))" } ?? ""
                print("installed \(change.hook.rawValue) at \(change.path)\(chained)")
            }
            for change in changes where change.superseded {
                print("removed \(change.hook.rawValue) from \(change.path): the \(resolved.layout.rawValue) layout runs it from elsewhere"
                    + (change.chained == nil ? "" : "; restored the hook that was there before"))
            }
            for change in changes where change.removed && !change.superseded {
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

    /// `--repositories ROOT`: every bare repository under it, one line each, then the count.
    func runEverywhere(under root: String) throws {
        let outcomes = try reportingFailures {
            let tree = try ServerRepositories.find(under: root)
            var options = ServerRepositories.Options(
                binaryPath: Self.executablePath(), database: database.map(ServerRepositories.absolutePath) ?? ServerRepositories.defaultDatabase(root: tree.root),
                group: group, layout: layout)
            (options.policy, options.allowForeignOwner) = (policy, force)
            return (tree, try tree.install(options, environment: environment))
        }
        let (tree, results) = outcomes
        if output.json {
            print(try JSONOutput.render(RepositoriesJSON(root: tree.root, outcomes: results)))
        } else {
            for outcome in results {
                if let failure = outcome.failure {
                    printError("error: \(outcome.path): \(failure)")
                    continue
                }
                let hooks = outcome.changes.filter { !$0.removed && !$0.unsupported }
                let fresh = hooks.contains { !$0.wasInstalled }
                print("\(fresh ? "installed" : "up to date") \(outcome.path): \(outcome.layout?.layout.rawValue ?? "?"), "
                    + hooks.map(\.hook.rawValue).joined(separator: ", "))
            }
            let failed = results.filter { $0.failure != nil }.count
            let logs = Set(results.compactMap(\.database)).sorted()
            print("\(results.count) repositories under \(tree.root): \(results.count - failed) covered, \(failed) failed; "
                + "audit log\(logs.count == 1 ? "" : "s"): \(logs.isEmpty ? "none" : logs.joined(separator: ", "))")
        }
        if results.contains(where: { $0.failure != nil }) { throw ExitCode.failure }
    }

    /// The absolute path of this binary, written into the shims.
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}

extension HookLayout: ExpressibleByArgument {}
