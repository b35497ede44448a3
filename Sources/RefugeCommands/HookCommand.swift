import ArgumentParser
import Foundation
import RefugeCore

struct HookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hook",
        abstract: "Run a hook's work (called by the shims that git refuge install writes).",
        discussion: "Reads all of stdin. Never exits non-zero for Refuge's own trouble: it warns on stderr and keeps the record for later.")

    @Argument(help: "pre-push or post-receive.")
    var name: String

    @Option(help: ArgumentHelp("The shim's own path, to find a chained hook beside it.", valueName: "path"))
    var hookPath: String?

    @Argument(parsing: .postTerminator, help: "The arguments git gave the hook, after --.")
    var arguments: [String] = []

    func run() throws {
        guard let hook = HookName(rawValue: name), hook != .referenceTransaction else {
            throw ValidationError("unknown hook '\(name)': expected pre-push or post-receive")
        }
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        let status = HookRunner.run(
            hook, arguments: arguments, hookPath: hookPath, input: input, environment: environment, warn: printError)
        if status != 0 { throw ExitCode(status) }
    }
}
