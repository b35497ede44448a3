import ArgumentParser
import Foundation
import GitKit
import RefugeCore

/// Run by the reference-transaction shim when a fetch force-updated a remote-tracking ref (its reflog
/// says "forced-update"): warns on stderr when the update dropped commits of this clone's own.
struct FetchCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch-check",
        abstract: "Warn when a fetch's forced update dropped your commits (run by the reference-transaction hook).",
        shouldDisplay: false)

    func run() throws {
        let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        // Never disturb a fetch over Refuge's own trouble: whatever fails here, the fetch goes on in silence.
        guard let repository = try? Repository.discover(fromEnvironment: true) else { return }
        // The spool first: this clone's last pushes may still wait there (no drain ran since). The fetch's
        // own spool file is still being written, and is left for later.
        let store = (try? AuditSession(repository: repository, environment: environment, access: .searching))?.store
        for update in ReceiveLine.parse(input, hook: .referenceTransaction).lines {
            guard update.ref.hasPrefix("refs/remotes/"), let old = update.old, let new = update.new,
                  let work = try? DroppedUpstreamWork.find(trackingRef: update.ref, old: old, new: new, time: nil,
                                                           repository: repository, store: store)
            else { continue }
            UpstreamText.fetchLines(work).forEach(printError)
        }
    }
}
