import ArgumentParser
import GitKit
import RefugeCore

struct UninstallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uninstall",
        abstract: "Remove Refuge's hooks and give chained hooks their place back.",
        discussion: "The audit log is kept; delete it by hand if you want it gone (git refuge status shows where).")

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in <path>.", valueName: "path"))
    var path: String?

    func run() throws {
        try reportingFailures {
            let repository = try Repository.forCommand(path: path)
            let changes = try HookInstaller(repository: repository).uninstall()
            if changes.isEmpty { print("no Refuge hooks installed in \(repository.auditIdentity)") }
            for change in changes {
                let restored = change.chained == nil ? "" : "; restored the hook that was there before"
                print("removed \(change.hook.rawValue) from \(change.path)\(restored)")
            }
        }
    }
}
