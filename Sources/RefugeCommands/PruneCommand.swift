import ArgumentParser
import Foundation
import RefugeCore

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove old pins (refs/refuge/kept/…), so that gc can reclaim what only they kept.",
        discussion: """
            Each removal is recorded in the audit log's pin table.
            Examples:
              git refuge prune --older-than 90.days --dry-run
              git refuge prune --older-than now
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Remove pins made before this long ago (90.days, 2.weeks, now) or this date.", valueName: "age"))
    var olderThan = "90.days"

    @Flag(help: "List the pins that would be removed, remove nothing.")
    var dryRun = false

    func cutoff() throws -> Date {
        try DateExpression.parseAge(olderThan)
    }

    func validate() throws {
        do { _ = try cutoff() } catch { throw ValidationError("--older-than: \(error)") }
    }

    func run() throws {
        let removed = try reportingFailures {
            let session = try repository.session(.recording)
            return try Pins(repository: session.repository, store: session.store).prune(madeBefore: try cutoff(), dryRun: dryRun)
        }
        if output.json {
            print(try JSONOutput.render(removed.map(PinJSON.init)))
        } else {
            print(RecoveryText(palette: .forStandardOutput(environment: environment)).pruned(removed, dryRun: dryRun))
        }
    }
}
