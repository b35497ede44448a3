import ArgumentParser
import Foundation
import RefugeCore

struct LostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lost",
        abstract: "List commits no ref reaches: overwritten by a force push, a reset or a deleted branch.",
        discussion: """
            Looks in the reflogs of every ref and of HEAD, in the audit log (which remembers values after \
            git branch -D and reflog expiry) and in Refuge's pins; with --all-objects, in the whole object \
            database too. One line per lost chain, newest first, with when gc would delete it. It works \
            where Refuge is not installed too, from git's own records.
            Examples:
              git refuge lost --since 7.days.ago
              git refuge lost --all-objects --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("Only commits lost at or after this date (2026-11-20, 7.days.ago…).", valueName: "date"),
            transform: { try DateExpression.parse($0) })
    var since: Date?

    @Flag(help: "Also scan every commit in the object database (what git fsck --unreachable finds).")
    var allObjects = false

    func run() throws {
        let rows = try reportingFailures {
            let session = try repository.session(.searching)
            let progress = Progress.onTerminal(label: "lost")
            defer { progress?.finish() }
            return try LostCommitScan(repository: session.repository, store: session.store)
                .run(LostCommitScan.Options(since: since, allObjects: allObjects, writesCommitGraph: !session.nothingRecorded),
                     progress: progress?.update)
        }
        if output.json {
            print(try JSONOutput.render(rows.map(LostCommitJSON.init)))
        } else {
            print(RecoveryText(palette: .forStandardOutput(environment: environment)).lost(rows))
        }
    }
}
