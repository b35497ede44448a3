import Foundation
import GitKit

/// The automatic check before a push (`refuge.prePush`): for each forced update, the remote commits the
/// pusher never integrated, with why they are at risk and the safe next steps.
public enum PrePushLeaseCheck {
    public enum Mode: String, Sendable, CaseIterable {
        case warn, block, off
    }

    public struct Outcome: Sendable {
        /// Lines for stderr, each already prefixed `refuge: `.
        public var messages: [String] = []
        /// Whether the push must be refused (block mode, and something at risk).
        public var refuse = false
    }

    /// `input` is pre-push's stdin (the lines the shim found not to be fast-forwards). `intent`: what the
    /// push asked to force (nil when unknown: every update is checked).
    public static func run(input: String, remote: String, mode: Mode, repository: Repository, store: AuditStore?,
                           intent: PushIntent? = nil) -> Outcome {
        var outcome = Outcome()
        guard mode != .off else { return outcome }
        var atRisk = false
        for line in PrePushLine.parse(input).lines {
            guard let old = line.update.old else { continue }
            let target = line.update.ref.replacingOccurrences(of: "refs/heads/", with: "")
            guard repository.contains(old) else {
                // Not forced: git refuses it itself ("fetch first") and says what to do; nothing is dropped.
                if let intent, !intent.forces(line.update.ref) { continue }
                outcome.messages.append("refuge: this push overwrites \(target) at \(old.short), which this clone has never fetched:")
                outcome.messages.append("refuge:   it would drop commits you have never seen. Run git fetch \(remote), then git refuge check.")
                atRisk = true
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
                outcome.messages.append("refuge: this push discards \(discardedOwn.count) commit(s) of your own from \(remote)/\(target) "
                    + "(\(short) had them; what you push has no copy)")
            }
            let never = risk.wouldDrop.filter { risk.verdicts[$0.id] == .neverIntegrated }
            let discarded = risk.wouldDrop.filter { risk.verdicts[$0.id] == .discarded(othersWork: true) }
            guard !never.isEmpty || !discarded.isEmpty else { continue }  // rewriting only your own work
            atRisk = true
            let tracking = try? repository.trackingReference(remote: remote, remoteReference: line.update.ref)
            func list(_ commits: [CommitSummary]) {
                for commit in commits.prefix(20) {
                    outcome.messages.append("refuge:   \(commit.id.short) \(Timestamp.short(commit.authorTime)) \(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)")
                }
                if commits.count > 20 { outcome.messages.append("refuge:   … and \(commits.count - 20) more (git refuge check \(short))") }
            }
            if !never.isEmpty {
                outcome.messages.append("refuge: this push would drop \(never.count) commit(s) of \(remote)/\(target) that \(short) never had:")
                list(never)
                outcome.messages.append("refuge:   why: \(reason(tracking: tracking, branch: short, repository: repository))")
            }
            if !discarded.isEmpty {
                outcome.messages.append("refuge: this push would drop \(discarded.count) commit(s) of someone else's that \(short) had "
                    + "and discarded (no copy in what you push):")
                list(discarded)
            }
            let upstream = tracking.map { $0.replacingOccurrences(of: "refs/remotes/", with: "") } ?? "\(remote)/\(target)"
            outcome.messages.append("refuge:   safe next steps: git rebase \(upstream) (or git merge \(upstream)), then push again")
        }
        guard atRisk else { return outcome }
        if mode == .block {
            outcome.refuse = true
            outcome.messages.append("refuge: push refused (refuge.prePush=block); git push --no-verify skips this check")
        } else {
            outcome.messages.append("refuge: pushing anyway (refuge.prePush=warn; set it to block to refuse such pushes)")
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
