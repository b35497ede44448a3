import ArgumentParser
import Foundation
import RefugeCore

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Import the repository's reflogs into the audit log (its past, from before Refuge).",
        discussion: """
            Every reflog entry of every ref becomes an event with hook 'backfill', classified like a live \
            one, so that log, lost and report cover the past, and the updates made while Refuge was not \
            installed. Running it again imports nothing twice.
            Examples:
              git refuge backfill
              git refuge backfill --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let outcome = try reportingFailures {
            let session = try repository.session(.recording)
            let progress = Progress.onTerminal(label: "backfill")
            defer { progress?.finish() }
            return try Backfill(repository: session.repository, store: session.store).run(progress: progress?.update)
        }
        if output.json {
            print(try JSONOutput.render(BackfillJSON(outcome)))
        } else {
            // The parts add up to the entries read.
            print("read \(outcome.entries) reflog entries of \(outcome.refs) ref(s): imported \(outcome.imported); "
                + "\(outcome.alreadyRecorded) already in the log; \(outcome.headDuplicates) HEAD entries repeating a "
                + "branch's; \(outcome.branchSwitches) branch switches; \(outcome.unchanged) that moved nothing")
        }
    }
}
