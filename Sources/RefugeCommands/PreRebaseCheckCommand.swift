import ArgumentParser
import Foundation
import GitKit
import RefugeCore

/// Run by the pre-rebase shim (git runs it for `git rebase` and for `git pull --rebase`): warns, or with
/// `refuge.prePush=block` refuses, a rebase that would drop commits of yours that upstream no longer has.
struct PreRebaseCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-rebase-check",
        abstract: "Warn about (or refuse) a rebase that drops your commits upstream lost (run by the pre-rebase hook).",
        shouldDisplay: false)

    @Option(help: "The pid of the git rebase running the hook (its command line says what the rebase goes onto).")
    var gitProcess: Int32?

    @Argument(help: "The hook's arguments: the upstream, and the branch when the rebase names one.")
    var hookArguments: [String] = []

    func run() throws {
        guard let upstream = hookArguments.first,
              let repository = try? Repository.discover(fromEnvironment: true)
        else { return }
        let (mode, problem) = PrePushLeaseCheck.Mode.configured(in: repository)
        if let problem { printError("refuge: \(problem)") }
        guard mode != .off else { return }
        let store = (try? AuditSession(repository: repository, environment: environment, access: .searching))?.store
        let arguments = gitProcess.flatMap { pid -> RebaseCheck.Arguments? in
            guard pid > 1, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
            return RebaseCheck.Arguments(
                commandLine: data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) })
        }
        // Never stop a rebase over Refuge's own trouble: a check that fails lets it go, in silence.
        guard let check = try? RebaseCheck.run(upstream: upstream, branchArgument: hookArguments.dropFirst().first,
                                               arguments: arguments, repository: repository, store: store),
              !check.dropping.isEmpty
        else { return }
        // `git pull --rebase --no-verify` does not pass --no-verify to the rebase; pull names its own
        // arguments in GIT_REFLOG_ACTION ("pull --rebase --no-verify"), where the override is read.
        let pullSkips = environment["GIT_REFLOG_ACTION"].map { action in
            action.hasPrefix("pull") && action.split(separator: " ").contains("--no-verify")
        } ?? false
        let refuse = mode == .block && !pullSkips
        UpstreamText.rebaseLines(check, refuse: refuse, skipped: mode == .block && pullSkips).forEach(printError)
        if refuse { throw ExitCode.failure }
    }
}
