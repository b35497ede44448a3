import ArgumentParser
import Foundation
import RefugeCore

struct IdentityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identity",
        abstract: "Show this repository's stable identity, or give a copy its own.",
        discussion: """
            Refuge knows a repository by an identity kept in <git dir>/refuge/repository-id, not by its path: \
            a moved, renamed or restored repository keeps its whole history. A copy made with cp -a claims \
            its original's identity too (git refuge doctor says so); --new gives the copy an identity of its \
            own, and its events from then on are its own.
            Examples:
              git refuge identity
              git refuge identity --new
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Give this repository a new identity (a copy that still shares its original's).")
    var new = false

    func run() throws {
        try reportingFailures {
            let session = try repository.session(.recording)
            let identity = new
                ? try RepositoryIdentity.renew(session.repository, store: session.store)
                : try RepositoryIdentity.establish(session.repository, store: session.store)
            let paths = try session.store.paths(sharingIdentityWith: session.repository.auditIdentity)
            if output.json {
                print(try JSONOutput.render(IdentityJSON(identity: identity, paths: paths, renewed: new)))
            } else {
                print("\(identity)\(new ? " (new)" : "")")
                if paths.count > 1 { print("recorded before at: \(paths.dropFirst().joined(separator: ", "))") }
            }
        }
    }
}
