import ArgumentParser
import RefugeCore

struct RecoverCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Restore a branch overwritten by a force push, a reset or a deletion, losing nothing.",
        discussion: """
            By default REF goes back to its value before its most recent forced update or deletion (from the \
            audit log, else from its reflog), but only if it still holds what that update left. The current \
            value is pinned (refs/refuge/kept/…) and the recovery recorded before anything moves.
            Exit status: 0 when restored (or nothing to do), 1 when refused or on error.
            Examples:
              git refuge recover main --dry-run
              git refuge recover main --replay
                  re-apply the dropped commits on top of main, keeping both people's work
              git refuge recover feature --as feature-restored
              git refuge recover main --to 12 --push origin
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The ref to recover: a full or short name, as git accepts it (it may have been deleted).")
    var ref: String

    @Option(help: ArgumentHelp("Restore this instead: an event id (12 or #12, from git refuge log) or a revision.",
                               valueName: "event-or-oid"))
    var to: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Create this ref instead of moving REF.", valueName: "newref"))
    var newRef: String?

    @Flag(help: "Show what would change, change nothing.")
    var dryRun = false

    @Flag(help: "Re-apply the dropped commits on top of REF's current tip (in memory), keeping both people's work.")
    var replay = false

    @Flag(help: "Restore even though REF moved since the bad update (its current value is pinned first).")
    var force = false

    @Option(help: ArgumentHelp("Then push the result to this remote, with a lease on the value it replaces there.",
                               valueName: "remote"))
    var push: String?

    func validate() throws {
        if replay && force { throw ValidationError("--replay keeps REF's current commits; --force is for a plain restore") }
        if dryRun && push != nil { throw ValidationError("--dry-run changes nothing, so it cannot --push") }
    }

    func run() throws {
        let request = RecoveryRequest(
            ref: ref, target: to.map(RecoveryRequest.Target.init(parsing:)), newRef: newRef, replay: replay, force: force,
            dryRun: dryRun)
        let (session, outcome) = try reportingFailures {
            let session = try repository.session(.recording)
            return (session, try Recovery(repository: session.repository, store: session.store).run(request))
        }
        // The push comes after the local recovery, which stands whatever happens to the push.
        var pushed: RecoveryPush.Result?
        var pushFailure: (any Error)?
        if let push, outcome.applied || outcome.alreadyThere {
            do {
                pushed = try RecoveryPush.push(outcome.destination, to: push, repository: session.repository)
            } catch {
                pushFailure = error
            }
        }
        if output.json {
            print(try JSONOutput.render(RecoveryJSON(outcome, push: pushed)))
        } else {
            print(RecoveryText(palette: .forStandardOutput(environment: environment)).recovery(outcome, push: pushed))
        }
        if let pushFailure {
            printError("error: \(pushFailure)")
            throw ExitCode.failure
        }
        if let pushed, !pushed.pushed { throw ExitCode.failure }
    }
}
