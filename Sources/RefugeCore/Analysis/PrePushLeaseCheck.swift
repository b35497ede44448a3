import Foundation
import GitKit

/// The automatic check before a push (`refuge.prePush`): for each forced update, the remote commits the
/// pusher never integrated, with why they are at risk and the safe next steps.
public enum PrePushLeaseCheck {
    public enum Mode: String, Sendable, CaseIterable {
        case warn, block, off
    }

    /// What the check found for one forced update.
    public enum Finding: Sendable {
        /// The push overwrites a remote tip this clone never fetched: it would drop commits never seen.
        case overwritesUnfetched(target: String, old: ObjectID)
        /// Commits of the pusher's own that `branch` had and the pushed history has no copy of.
        case discardsOwn(count: Int, target: String, branch: String)
        /// Someone else's work at risk: commits `branch` never had (`neverIntegrated`, with why), and
        /// commits it had and discarded (`discarded`). `upstream` is what to rebase onto.
        case dropsOthersWork(target: String, branch: String, neverIntegrated: [CommitSummary], why: String,
                             discarded: [CommitSummary], upstream: String)
    }

    public struct Outcome: Sendable {
        public let mode: Mode
        public let remote: String
        public var findings: [Finding] = []
        /// Whether something is at risk (every finding but `discardsOwn`).
        public var atRisk = false
        /// Whether the push must be refused (block mode, and something at risk).
        public var refuse: Bool { atRisk && mode == .block }
    }

    /// `input` is pre-push's stdin (the lines the shim found not to be fast-forwards). `intent`: what the
    /// push asked to force (nil when unknown: every update is checked).
    public static func run(input: String, remote: String, mode: Mode, repository: Repository, store: AuditStore?,
                           intent: PushIntent? = nil) -> Outcome {
        var outcome = Outcome(mode: mode, remote: remote)
        guard mode != .off else { return outcome }
        for line in PrePushLine.parse(input).lines {
            guard let old = line.update.old else { continue }
            let target = line.update.ref.replacingOccurrences(of: "refs/heads/", with: "")
            guard repository.contains(old) else {
                // Not forced: git refuses it itself ("fetch first") and says what to do; nothing is dropped.
                if let intent, !intent.forces(line.update.ref) { continue }
                outcome.findings.append(.overwritesUnfetched(target: target, old: old))
                outcome.atRisk = true
                continue
            }
            guard line.update.new != nil, let branch = line.localRef, branch.hasPrefix("refs/"),
                  let oldCommit = try? repository.peelToCommit(old)
            else { continue }
            let newCommit = line.update.new.flatMap { try? repository.peelToCommit($0) }
            guard let risk = try? ForcePushCheck.risk(of: oldCommit, overwrittenBy: newCommit, branch: branch,
                                                      repository: repository, store: store)
            else { continue }
            let short = branch.replacingOccurrences(of: "refs/heads/", with: "")
            let discardedOwn = risk.wouldDrop.filter { risk.verdicts[$0.id] == .discarded(othersWork: false) }
            if !discardedOwn.isEmpty {
                outcome.findings.append(.discardsOwn(count: discardedOwn.count, target: target, branch: short))
            }
            let never = risk.wouldDrop.filter { risk.verdicts[$0.id] == .neverIntegrated }
            let discarded = risk.wouldDrop.filter { risk.verdicts[$0.id] == .discarded(othersWork: true) }
            guard !never.isEmpty || !discarded.isEmpty else { continue }  // rewriting only your own work
            outcome.atRisk = true
            let tracking = try? repository.trackingReference(remote: remote, remoteReference: line.update.ref)
            let upstream = tracking.map { $0.replacingOccurrences(of: "refs/remotes/", with: "") } ?? "\(remote)/\(target)"
            outcome.findings.append(.dropsOthersWork(
                target: target, branch: short, neverIntegrated: never,
                why: never.isEmpty ? "" : reason(tracking: tracking, branch: short, repository: repository),
                discarded: discarded, upstream: upstream))
        }
        return outcome
    }

    /// "fetched into origin/main 3 minutes ago, never merged", from the tracking ref's reflog.
    static func reason(tracking: String?, branch: String, repository: Repository) -> String {
        guard let tracking, let entry = (try? repository.reflog(of: tracking))?.first else {
            return "\(branch) never contained them"
        }
        let when = Timestamp.ago(entry.time)
        let how = entry.message.hasPrefix("fetch") || entry.message.hasPrefix("pull") ? "fetched into" : "last seen in"
        let name = tracking.replacingOccurrences(of: "refs/remotes/", with: "")
        return "\(how) \(name) \(when), never merged into \(branch)"
    }
}
