import ArgumentParser
import Foundation
import RefugeCore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the audit log's hash chain and SQLite's integrity; print the head hash.",
        discussion: """
            Every event carries a hash over its content and the previous event's hash. verify recomputes \
            all of them: an edited, inserted or reordered row, or one deleted before the last, is caught and the \
            first one named. Removing the newest rows, or re-sealing a rewritten file, leaves a chain that \
            checks out: \
            keep the head hash it prints somewhere else (a ticket, another machine), and later \
            verify --against HASH proves the log still extends it. \
            Like every command, verify first records what the hooks left in the spool; --no-drain reads the \
            log as it is and writes nothing (a copied log file). \
            Exit status: 0 intact, 1 not intact (or an error). Docs/Reliability.md says what is and is not proven.
            Examples:
              git refuge verify
              git refuge verify --against 3f5a…(the 64 digits an earlier verify printed)
              git refuge verify --no-drain --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("A head hash printed by an earlier verify: check that the log still extends it.", valueName: "hash"))
    var against: String?

    @Flag(help: "Do not record what waits in the spool first: read the log as it is and change nothing.")
    var noDrain = false

    func validate() throws {
        if let against, against.count != 64 || !against.allSatisfy(\.isHexDigit) {
            throw ValidationError("--against takes a 64-digit hash, as git refuge verify prints it")
        }
    }

    func run() throws {
        let result = try reportingFailures {
            // Drained first, as every command does: the chain then covers what the hooks just spooled.
            try ChainVerification.run(repository.repository(), environment: environment, against: against, drain: !noDrain)
        }
        result.drainWarnings.forEach { printError("warning: \($0)") }
        if output.json {
            print(try JSONOutput.render(VerificationJSON(result)))
        } else {
            print(VerificationText(palette: .forStandardOutput(environment: environment)).text(result))
        }
        if !result.intact { throw ExitCode.failure }
    }
}
