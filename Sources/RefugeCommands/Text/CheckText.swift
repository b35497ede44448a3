import Foundation
import GitKit
import RefugeCore

/// `git refuge check` in words.
struct CheckText {
    let palette: Palette

    func text(_ check: ForcePushCheck) -> String {
        let branch = String(check.branch.dropFirst("refs/heads/".count))
        let tracking = check.trackingRef.replacingOccurrences(of: "refs/remotes/", with: "")
        var lines = ["\(branch) against \(tracking): \(check.ahead) ahead, \(check.behind) behind"]
        if let moved = check.lastMoved {
            lines.append("\(tracking) last moved \(Timestamp.ago(moved.time)) (\(moved.detail))")
        }
        for work in check.droppedUpstream {
            let when = work.time.map { " \(Timestamp.ago($0))" } ?? ""
            lines.append(palette.bold("your work was dropped from \(tracking): its forced update\(when) "
                + "(\(work.old.short)...\(work.new.short)) left out \(work.commits.count) commit(s) of yours, still missing there:"))
            for commit in work.commits {
                let held = commit.heldBy.isEmpty ? palette.red("in none of your branches") : "still in \(commit.heldBy.joined(separator: ", "))"
                lines.append(UpstreamText.commitLine(commit).replacingOccurrences(of: "refuge: ", with: "") + "  \(held)")
            }
            let (who, name) = UpstreamText.rewriter(work)
            lines += ([who] + UpstreamText.nextSteps(work, rewriter: name, fromCheck: true))
                .map { $0.replacingOccurrences(of: "refuge: ", with: "") }
        }
        if check.wouldDrop.isEmpty {
            lines.append(palette.green("a force push now would drop nothing"))
            return lines.joined(separator: "\n")
        }
        lines.append("a force push now would drop \(check.wouldDrop.count) commit(s) from \(tracking):")
        for commit in check.wouldDrop {
            let note: String
            switch check.verdicts[commit.id] {
            case .neverIntegrated?, nil: note = palette.red("never integrated")
            case .rewritten(let copy)?: note = palette.dim("rewritten as \(copy.short)")
            case .discarded(let others)?: note = others ? palette.red("someone else's, discarded") : palette.dim("yours, discarded")
            }
            lines.append("  \(palette.yellow(commit.id.short)) \(Timestamp.short(commit.authorTime)) "
                + "\(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)  \(note)")
        }
        let own = check.discardedOwn
        if !own.isEmpty {
            lines.append("\(own.count) commit(s) of your own would be discarded (no copy in what you push): your call")
        }
        if check.safeToForce {
            lines.append("none of them is someone else's work: a force push loses no one's work")
        } else {
            let never = check.neverIntegrated.count
            let discarded = check.atRisk.count - never
            var what: [String] = []
            if never > 0 { what.append("\(never) that \(branch) never had") }
            if discarded > 0 { what.append("\(discarded) that \(branch) had and discarded") }
            lines.append(palette.bold("\(check.atRisk.count) commit(s) are someone else's work: \(what.joined(separator: ", "))."))
            lines.append("safe next steps: git rebase \(tracking) (or git merge \(tracking)), then push"
                + (discarded > 0 ? "" : "; or git push --force-with-lease --force-if-includes"))
        }
        return lines.joined(separator: "\n")
    }
}
