import Foundation
import GitKit
import RefugeCore

/// What the pusher reads on stderr before a force push (`refuge.prePush`), each line prefixed `refuge: `.
enum PrePushText {
    static func lines(_ outcome: PrePushLeaseCheck.Outcome) -> [String] {
        let remote = outcome.remote
        var lines: [String] = []
        func list(_ commits: [CommitSummary], branch: String) {
            for commit in commits.prefix(20) {
                lines.append("refuge:   \(commit.id.short) \(Timestamp.short(commit.authorTime)) \(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)")
            }
            if commits.count > 20 { lines.append("refuge:   … and \(commits.count - 20) more (git refuge check \(branch))") }
        }
        for finding in outcome.findings {
            switch finding {
            case .overwritesUnfetched(let target, let old):
                lines.append("refuge: this push overwrites \(target) at \(old.short), which this clone has never fetched:")
                lines.append("refuge:   it would drop commits you have never seen. Run git fetch \(remote), then git refuge check.")
            case .discardsOwn(let count, let target, let branch):
                lines.append("refuge: this push discards \(count) commit(s) of your own from \(remote)/\(target) "
                    + "(\(branch) had them; what you push has no copy)")
            case .dropsOthersWork(let target, let branch, let never, let why, let discarded, let upstream):
                if !never.isEmpty {
                    lines.append("refuge: this push would drop \(never.count) commit(s) of \(remote)/\(target) that \(branch) never had:")
                    list(never, branch: branch)
                    lines.append("refuge:   why: \(why)")
                }
                if !discarded.isEmpty {
                    lines.append("refuge: this push would drop \(discarded.count) commit(s) of someone else's that \(branch) had "
                        + "and discarded (no copy in what you push):")
                    list(discarded, branch: branch)
                }
                lines.append("refuge:   safe next steps: git rebase \(upstream) (or git merge \(upstream)), then push again")
            }
        }
        guard outcome.atRisk else { return lines }
        if outcome.refuse {
            lines.append("refuge: push refused (refuge.prePush=block); git push --no-verify skips this check")
        } else {
            lines.append("refuge: pushing anyway (refuge.prePush=warn; set it to block to refuse such pushes)")
        }
        return lines
    }
}
