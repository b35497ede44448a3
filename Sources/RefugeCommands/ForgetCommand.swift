import ArgumentParser
import Foundation
import GitKit
import RefugeCore

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove the pins that keep commits you want gone for good (a secret), so that gc can delete them.",
        discussion: """
            Removes every pin (refs/refuge/kept/…) that keeps one of the commits, and with it whatever only \
            those pins kept; each removal is recorded with who did it and when. Then git's own purge deletes \
            the commits. Docs/Pins.md has the whole recipe, for a clone and for a server.
            Exit status: 0 when every commit's pins are removed; 1 when a commit is unknown, still on a \
            ref, or kept by no pin.
            Examples:
              git reset --hard HEAD~1
              git refuge forget 1a2b3c4 --dry-run
              git refuge forget 1a2b3c4
              git reflog expire --expire=now --all && git gc --prune=now
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The commits to forget: ids (abbreviated too) or revisions.", valueName: "commit"))
    var commits: [String]

    @Flag(help: "Show which pins would go and what they release; change nothing.")
    var dryRun = false

    func validate() throws {
        if commits.isEmpty { throw ValidationError("name at least one commit") }
    }

    func run() throws {
        let outcome = try reportingFailures {
            let session = try repository.session(.recording)
            var ids: [ObjectID] = []
            for name in commits {
                // Parsed at the edge: a name that is no commit here stops everything before any pin moves.
                guard let object = try session.repository.resolveRevision(name),
                      let commit = try session.repository.peelToCommit(object)
                else { throw CommandFailure("\(name) names no commit in this repository (git refuge lost lists what pins keep)") }
                ids.append(commit)
            }
            let actor = Identity.localPusher(repository: session.repository, uid: getuid())
            return try Forgetting(repository: session.repository, store: session.store).forget(ids, actor: actor, dryRun: dryRun)
        }
        if output.json {
            print(try JSONOutput.render(ForgettingJSON(outcome, dryRun: dryRun)))
        } else {
            let text = RecoveryText(palette: .forStandardOutput(environment: environment)).forgotten(outcome, dryRun: dryRun)
            if !text.isEmpty { print(text) }
        }
        for commit in outcome.stillReachable {
            printError("error: \(commit.short) is still on a ref, so gc keeps it whatever pins do; take it off first (git branch -a --contains \(commit.short))")
        }
        for commit in outcome.unpinned {
            printError("error: no pin keeps \(commit.short); git reflog expire --expire=now --all && git gc --prune=now deletes it once nothing reaches it")
        }
        if !outcome.unpinned.isEmpty || !outcome.stillReachable.isEmpty { throw ExitCode.failure }
    }
}
