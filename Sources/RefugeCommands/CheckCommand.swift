import ArgumentParser
import Foundation
import GitKit
import RefugeCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Before a force push: what it would drop, and what you never integrated.",
        discussion: """
            Compares the branch with its remote-tracking ref: ahead/behind, when the remote-tracking ref last \
            moved and how, and the remote commits a force push now would drop, each for what it is: \
            never integrated (the branch never had it: fetched in the background, never merged), rewritten \
            (what you push holds a copy with the same patch), or discarded (the branch had it, what you push \
            has no copy). Never-integrated commits, and discarded ones that are someone else's (another \
            author, or brought in by a pull or a merge), are at risk: check exits 1 when there are any. \
            Discarding your own commits passes, with one line saying so.
            Examples:
              git refuge check && git push --force-with-lease
              git refuge check feature --remote upstream --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The branch (default: the checked-out one).")
    var branch: String?

    @Option(help: "The remote to compare with (default: the branch's upstream remote).")
    var remote: String?

    func run() throws {
        let check = try reportingFailures {
            let session = try repository.session(.searching)
            return try ForcePushCheck.run(repository: session.repository, store: session.store, branch: branch, remote: remote)
        }
        if output.json {
            print(try JSONOutput.render(CheckJSON(check)))
        } else {
            print(CheckText(palette: .forStandardOutput(environment: environment)).text(check))
        }
        if !check.safeToForce { throw ExitCode.failure }
    }
}
