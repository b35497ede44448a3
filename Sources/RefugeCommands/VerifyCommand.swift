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
            With a central store configured (refuge.central), verify also proves the log still extends the \
            head the central store holds for it: a log rewritten and re-sealed after it shipped is caught \
            (--local-only skips it). verify --central recomputes every source's chain from the central \
            rows and checks each against the mark its source last shipped (Docs/Fleet.md). \
            Exit status: 0 intact, 1 not intact (or an error). Docs/Reliability.md says what is and is not proven.
            Examples:
              git refuge verify
              git refuge verify --central --store 'service=refuge'
              git refuge verify --central --json
              git refuge verify --against 3f5a…(the 64 digits an earlier verify printed)
              git refuge verify --no-drain --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("A head hash printed by an earlier verify: check that the log still extends it.", valueName: "hash"))
    var against: String?

    @Flag(help: "Do not record what waits in the spool first: read the log as it is and change nothing.")
    var noDrain = false

    @Flag(help: "Do not check the log against the head the central store (refuge.central) holds for it.")
    var localOnly = false

    @OptionGroup var central: CentralOptions

    func validate() throws {
        if central.central && (against != nil || noDrain || localOnly) {
            throw ValidationError("--central verifies the central store: --against, --no-drain and --local-only are for the local log")
        }
        if let against, against.count != 64 || !against.allSatisfy(\.isHexDigit) {
            throw ValidationError("--against takes a 64-digit hash, as git refuge verify prints it")
        }
    }

    func run() throws {
        if central.central { return try runCentral() }
        let result = try reportingFailures {
            // Drained first, as every command does: the chain then covers what the hooks just spooled.
            let repository = try repository.repository()
            let conninfo = localOnly ? nil : try repository.configString("refuge.central").flatMap { $0.isEmpty ? nil : $0 }
            return try ChainVerification.run(repository, environment: environment, against: against, drain: !noDrain, central: conninfo)
        }
        result.drainWarnings.forEach { printError("warning: \($0)") }
        result.centralWarning.map { printError("warning: \($0)") }
        if output.json {
            print(try JSONOutput.render(VerificationJSON(result)))
        } else {
            print(VerificationText(palette: .forStandardOutput(environment: environment)).text(result))
        }
        if !result.intact { throw ExitCode.failure }
    }

    /// `--central`: every source's chain, recomputed from the central rows.
    func runCentral() throws {
        let result = try reportingFailures { try CentralVerification.run(central.connect(repository)) }
        if output.json {
            print(try JSONOutput.render(CentralVerificationJSON(result)))
        } else {
            print(VerificationText(palette: .forStandardOutput(environment: environment)).text(result))
        }
        if !result.intact { throw ExitCode.failure }
    }
}
