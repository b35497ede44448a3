import ArgumentParser
import GitKit
import RefugeCore

struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove Refuge's hooks and give chained hooks their place back.",
        discussion: """
            Removes exactly what install added. It leaves on purpose, and says how to remove: the audit \
            log (the record of what happened), the pins (what they keep stays safe) and, while pins remain, \
            transfer.hideRefs refs/refuge (so that clients never see them).
            Under gitolite, uninstalling one repository leaves the shims in LOCAL_CODE/hooks/common for the \
            others (gitolite setup links them again): --repositories removes them too.
            Examples:
              git refuge uninstall
              git refuge -C /srv/git/project.git uninstall
              git refuge uninstall --repositories /srv/git
                  every bare repository there (and gitolite's shared shims)
            """)

    @Option(help: ArgumentHelp("Uninstall from every bare repository under this directory.", valueName: "root"))
    var repositories: String?

    @OptionGroup var output: OutputOptions

    @OptionGroup var repository: RepositoryOptions

    func validate() throws {
        if output.json && repositories == nil { throw ValidationError("--json goes with --repositories") }
    }

    func run() throws {
        if let repositories {
            let (tree, outcomes) = try reportingFailures {
                let tree = try ServerRepositories.find(under: repositories)
                return (tree, tree.uninstall())
            }
            if output.json {
                print(try JSONOutput.render(RepositoriesJSON(root: tree.root, outcomes: outcomes)))
            } else {
                for outcome in outcomes {
                    if let failure = outcome.failure { printError("error: \(outcome.path): \(failure)"); continue }
                    print(outcome.changes.isEmpty ? "nothing to remove in \(outcome.path)"
                          : "removed from \(outcome.path): " + outcome.changes.map(\.hook.rawValue).joined(separator: ", ")
                            + (outcome.pins > 0 ? " (kept \(outcome.pins) pin(s))" : ""))
                }
                print("\(outcomes.count) repositories under \(tree.root); the audit logs and the pins are kept")
            }
            if outcomes.contains(where: { $0.failure != nil }) { throw ExitCode.failure }
            return
        }
        try reportingFailures {
            let repository = try repository.repository()
            let uninstalled = try HookInstaller(repository: repository).uninstall()
            if uninstalled.changes.isEmpty { print("no Refuge hooks installed in \(repository.auditIdentity)") }
            for change in uninstalled.changes {
                let restored = change.chained == nil ? "" : "; restored the hook that was there before"
                print("removed \(change.hook.rawValue) from \(change.path)\(restored)")
            }
            let location = try AuditLocation.resolve(for: repository, environment: environment)
            print("kept the audit log \(location.databasePath): delete it when you no longer need the record")
            if uninstalled.hideRefsKept {
                print("kept \(uninstalled.pins) pin(s) under \(RefugeRefs.kept), and transfer.hideRefs \(RefugeRefs.root): "
                    + "git refuge lost lists what they keep; git refuge prune --older-than now removes them "
                    + "(then git config --unset transfer.hideRefs \(RefugeRefs.root))")
            }
        }
    }
}
