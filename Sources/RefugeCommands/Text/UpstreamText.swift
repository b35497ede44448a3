import Foundation
import GitKit
import RefugeCore

/// What the person whose work a force push dropped reads: during the fetch that brought it, before the
/// rebase that would finish the job, and from `git refuge check`. Each line prefixed `refuge: `.
enum UpstreamText {
    static func commitLine(_ commit: DroppedUpstreamWork.Commit, now: Date = Date()) -> String {
        let when = commit.pushedAt.map { "you pushed it \(Timestamp.ago($0, now: now))" }
            ?? "by you, \(Timestamp.short(commit.commit.authorTime))"
        return "refuge:   \(commit.commit.id.short) \(commit.commit.summary)  (\(when))"
    }

    /// "alice force-pushed it 2 minutes ago (the server's audit log)", or what the new tip says.
    static func rewriter(_ work: DroppedUpstreamWork, now: Date = Date()) -> (line: String, name: String?) {
        if let by = work.rewrittenBy {
            let who = by.pusher ?? "someone"
            let from = by.address.map { " from \($0)" } ?? ""
            return ("refuge: \(who) force-pushed it \(Timestamp.ago(by.time, now: now))\(from) (the server's audit log says so)",
                    by.pusher)
        }
        let committer = work.newTipCommitter.map { "; the new \(work.shortTrackingRef) was committed by \($0)" } ?? ""
        return ("refuge: the server does not say who force-pushed\(committer)", nil)
    }

    /// The warning during a fetch: what was dropped, by whom, and the safe next steps.
    static func fetchLines(_ work: DroppedUpstreamWork, now: Date = Date()) -> [String] {
        let count = work.commits.count
        var lines = ["refuge: \(work.shortTrackingRef) was force-updated (\(work.old.short)...\(work.new.short)) and no "
            + "longer has \(count == 1 ? "1 commit" : "\(count) commits") of yours:"]
        lines += work.commits.prefix(20).map { commitLine($0, now: now) }
        if count > 20 { lines.append("refuge:   … and \(count - 20) more (git refuge check)") }
        let (who, name) = rewriter(work, now: now)
        lines.append(who)
        lines += nextSteps(work, rewriter: name)
        return lines
    }

    static func nextSteps(_ work: DroppedUpstreamWork, rewriter name: String?, fromCheck: Bool = false) -> [String] {
        let branch = work.trackingBranches.first ?? work.commits.first?.heldBy.first ?? "your branch"
        let held = work.commits.allSatisfy { !$0.heldBy.isEmpty }
        var lines: [String] = []
        if held {
            lines.append("refuge: \(branch) still has \(work.commits.count == 1 ? "it" : "them"). Safe next steps:")
            lines.append("refuge:   do not git pull --rebase yet: git's fork point would drop \(work.commits.count == 1 ? "it" : "them") "
                + "from \(branch) too; git rebase \(work.shortTrackingRef) keeps \(work.commits.count == 1 ? "it" : "them") "
                + "(an upstream named: no fork point)")
        } else {
            lines.append("refuge: safe next steps:")
        }
        if !fromCheck {
            lines.append("refuge:   git refuge check\(branch == "your branch" ? "" : " \(branch)")    shows this again")
        }
        lines.append("refuge:   git refuge recover \(branch == "your branch" ? "BRANCH" : branch) --replay    brings "
            + "\(work.commits.count == 1 ? "it" : "them") back on top if a pull or rebase dropped \(work.commits.count == 1 ? "it" : "them")")
        lines.append("refuge:   tell \(name ?? "whoever force-pushed \(work.shortTrackingRef)")\(name == nil ? "" : ", who force-pushed it,") "
            + "before pushing \(work.commits.count == 1 ? "it" : "them") again")
        return lines
    }

    /// Before a rebase that would drop them.
    static func rebaseLines(_ check: RebaseCheck, refuse: Bool, skipped: Bool = false) -> [String] {
        let branch = check.branch ?? "HEAD"
        let count = check.dropping.count
        var lines = ["refuge: this rebase would drop \(count == 1 ? "1 commit" : "\(count) commits") of yours from \(branch) "
            + "that upstream no longer has (someone force-pushed over \(count == 1 ? "it" : "them")):"]
        lines += check.dropping.prefix(20).map { commitLine($0) }
        if count > 20 { lines.append("refuge:   … and \(count - 20) more") }
        let upstream = check.upstream ?? "<upstream>"
        lines.append("refuge:   to keep \(count == 1 ? "it" : "them"): git rebase \(upstream) instead (an upstream named: no fork "
            + "point), or afterwards git refuge recover \(branch) --replay")
        if refuse {
            lines.append("refuge: rebase refused (refuge.prePush=block); --no-verify (git rebase --no-verify, "
                + "git pull --rebase --no-verify) skips this check")
        } else if skipped {
            lines.append("refuge: rebasing anyway (--no-verify)")
        } else {
            lines.append("refuge: rebasing anyway (refuge.prePush=warn; set it to block to refuse such rebases)")
        }
        return lines
    }
}
