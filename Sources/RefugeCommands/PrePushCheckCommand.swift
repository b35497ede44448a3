import ArgumentParser
import Foundation
import GitKit
import RefugeCore

/// Run by the pre-push shim when a push holds an update that is not a fast-forward.
struct PrePushCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-push-check",
        abstract: "Warn about (or refuse) a force push that drops commits never integrated (run by the pre-push hook).",
        shouldDisplay: false)

    @Argument(help: "The remote's name, as git gave it to pre-push.")
    var remote: String

    @Option(help: "The pid of the git push running the hook (its command line says whether the push is forced).")
    var gitProcess: Int32?

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // Never break a push over Refuge's own trouble: without a repository, say so and let it go.
        guard let repository = try? Repository.discover(fromEnvironment: true) else {
            printError("refuge: warning: cannot open the repository; this push is not checked (refuge.prePush)")
            return
        }
        let (mode, problem) = PrePushLeaseCheck.Mode.configured(in: repository)
        if let problem { printError("refuge: \(problem)") }
        let store = (try? AuditLocation.resolve(for: repository, environment: environment))
            .flatMap { FileManager.default.fileExists(atPath: $0.databasePath) ? try? AuditStore(location: $0, readOnly: true) : nil }
        let intent = gitProcess.flatMap { PushIntent.of(gitProcess: $0, remote: remote, repository: repository) }
        let outcome = PrePushLeaseCheck.run(
            input: input, remote: remote, mode: mode, repository: repository, store: store, intent: intent)
        PrePushText.lines(outcome).forEach(printError)
        if outcome.refuse { throw ExitCode.failure }
    }
}
