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
            Examples:
              git refuge uninstall
              git refuge -C /srv/git/project.git uninstall
            """)

    @OptionGroup var repository: RepositoryOptions

    func run() throws {
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
