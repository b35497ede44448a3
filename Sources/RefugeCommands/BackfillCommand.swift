import ArgumentParser
import Foundation
import RefugeCore

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Import the repository's reflogs into the audit log (its past, from before Refuge).",
        discussion: """
            Every reflog entry of every ref becomes an event with hook 'backfill', classified like a live \
            one, so that log, lost and report cover the past. Running it again imports nothing twice.
            """)

    @Flag(help: "Print JSON: the counts.")
    var json = false

    func run() throws {
        try reportingFailures {
            let session = try AuditSession(path: nil, environment: environment)
            session.drainReport.warnings.forEach { printError("warning: \($0)") }
            let progress = Progress.onTerminal(label: "backfill")
            let outcome = try Backfill(repository: session.repository, store: session.store).run(progress: progress?.update)
            progress?.finish()
            if json {
                print(try JSONOutput.render(BackfillJSON(outcome: outcome)))
            } else {
                // The parts add up to the entries read.
                print("read \(outcome.entries) reflog entries of \(outcome.refs) ref(s): imported \(outcome.imported); "
                    + "\(outcome.alreadyRecorded) already in the log; \(outcome.headDuplicates) HEAD entries repeating a "
                    + "branch's; \(outcome.branchSwitches) branch switches; \(outcome.unchanged) that moved nothing")
            }
        }
    }
}

struct BackfillJSON: Encodable {
    let outcome: Backfill.Outcome
    enum Key: String, CodingKey {
        case refs, entries, imported, alreadyRecorded = "already_recorded", headDuplicates = "head_duplicates"
        case branchSwitches = "branch_switches", unchanged
    }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(outcome.refs, forKey: .refs)
        try container.encode(outcome.entries, forKey: .entries)
        try container.encode(outcome.imported, forKey: .imported)
        try container.encode(outcome.alreadyRecorded, forKey: .alreadyRecorded)
        try container.encode(outcome.headDuplicates, forKey: .headDuplicates)
        try container.encode(outcome.branchSwitches, forKey: .branchSwitches)
        try container.encode(outcome.unchanged, forKey: .unchanged)
    }
}
