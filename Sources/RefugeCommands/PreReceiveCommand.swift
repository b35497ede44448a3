import ArgumentParser
import Foundation
import GitKit
import RefugeCore

/// Run by the pre-receive shim on a server with refuge.protect set.
struct PreReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-receive",
        abstract: "Apply refuge.protect to a push and record refusals (run by the pre-receive hook).",
        shouldDisplay: false)

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // Quarantine: GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES make the pushed objects readable.
        guard let repository = try? Repository.discover(fromEnvironment: true) else {
            printError("refuge: warning: cannot open the repository; refuge.protect is not enforced for this push")
            return
        }
        let outcome = PolicyCheck.run(
            input: input, repository: repository, environment: environment, gitProcess: getppid())
        outcome.messages.forEach(printError)
        if outcome.refuse { throw ExitCode.failure }
    }
}
