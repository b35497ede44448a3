import ArgumentParser
import Foundation
import GitKit
import RefugeCore

/// Run by the pre-receive shim on a server with refuge.protect set.
struct PreReceiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pre-receive",
        abstract: "Apply refuge.protect to a push and record refusals (run by the pre-receive hook).",
        shouldDisplay: false)

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // Quarantine: GIT_OBJECT_DIRECTORY and GIT_ALTERNATE_OBJECT_DIRECTORIES make the pushed objects readable.
        guard let repository = try? Repository.discover(fromEnvironment: true) else {
            printError("refuge: warning: cannot open the repository; refuge.protect is not enforced for this push")
            return
        }
        let outcome = PolicyCheck.run(input: input, repository: repository, environment: environment, gitProcess: ReceivePack.spoolProcess())
        PolicyText.lines(outcome).forEach(printError)
        if outcome.refuse { throw ExitCode.failure }
    }
}

/// What the pusher reads on stderr (git prefixes each line with `remote:`).
enum PolicyText {
    static func lines(_ outcome: PolicyCheck.Outcome) -> [String] {
        var lines = outcome.malformed.map { "refuge: warning: \($0)" }
        if let problem = outcome.policyProblem {
            lines.append("refuge: warning: cannot apply refuge.protect: \(problem); the push is not checked")
        }
        guard outcome.refuse else { return lines }
        for refusal in outcome.refusals {
            lines.append("refuge: refused: \(refusal.reason)")
            lines.append("refuge:   it would drop \(refusal.classification.dropped.map(String.init) ?? "unknown") commit(s):")
            for commit in refusal.dropped {
                lines.append("refuge:     \(commit.id.short) \(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)")
            }
        }
        lines.append("refuge: integrate them first (git pull --rebase), or ask an admin in refuge.allowForce")
        if let spool = outcome.unrecorded {
            lines.append("refuge: warning: cannot write to \(spool); this refusal is not in the audit log")
        }
        return lines
    }
}
