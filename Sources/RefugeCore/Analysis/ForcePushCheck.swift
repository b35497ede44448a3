import Foundation
import GitKit

/// What a force push of a branch would do now. git's `--force-if-includes` rule is the floor: remote commits
/// the local branch never had (no past value of it reaches them) are someone else's work at risk. On top of
/// it, a commit the branch once had is told apart: `rewritten` when what is pushed holds a copy (the same
/// patch id: a rebase, an amend of the message), `discarded` when it does not. Discarding your own commit
/// is your call; discarding one that is someone else's (another author, or one that came into the branch by
/// a pull or a merge) is what `--force-if-includes` misses: Dave pulls Bob's fix, resets it away, commits
/// his own work, and git lets the force push drop Bob's fix.
public struct ForcePushCheck: Sendable {
    public let branch: String
    public let trackingRef: String
    public let local: ObjectID?
    public let remote: ObjectID?
    /// Commits the local branch has that the remote-tracking ref does not, and the reverse.
    public let ahead: Int
    public let behind: Int
    /// The remote commits a force push now would drop, newest first.
    public let wouldDrop: [CommitSummary]
    /// Of those, the ones the local branch never had: someone else's work, fetched but never merged.
    public var neverIntegrated: [CommitSummary] { wouldDrop.filter { verdicts[$0.id] == .neverIntegrated } }
    /// What each commit of `wouldDrop` is, by id.
    public let verdicts: [ObjectID: Verdict]

    public enum Verdict: Sendable, Equatable {
        /// The branch never had it (git's `--force-if-includes` hazard).
        case neverIntegrated
        /// What is pushed holds a copy with the same patch: dropping the original loses nothing.
        case rewritten(as: ObjectID)
        /// The branch had it and what is pushed has no copy: discarded. `othersWork` when another author
        /// wrote it, or it came into the branch by a pull or a merge.
        case discarded(othersWork: Bool)

        public var atRisk: Bool {
            switch self {
            case .neverIntegrated: true
            case .rewritten: false
            case .discarded(let others): others
            }
        }

        public var name: String {
            switch self {
            case .neverIntegrated: "never-integrated"
            case .rewritten: "rewritten"
            case .discarded(let others): others ? "discarded-others-work" : "discarded-own-work"
            }
        }
    }

    /// The commits a force push would drop that are someone else's work: never integrated, or discarded.
    public var atRisk: [CommitSummary] { wouldDrop.filter { verdicts[$0.id]?.atRisk ?? true } }
    /// Your own commits the push discards (no copy in what is pushed): allowed, and said in one line.
    public var discardedOwn: [CommitSummary] { wouldDrop.filter { verdicts[$0.id] == .discarded(othersWork: false) } }
    /// The last time the remote-tracking ref moved, and how (from the audit log, else its reflog).
    public let lastMoved: Movement?

    public struct Movement: Sendable {
        public let time: Date
        /// "fetch", "push" or "other".
        public let how: String
        public let detail: String
    }

    public var safeToForce: Bool { atRisk.isEmpty }

    /// The other way round: forced updates of the remote-tracking ref that dropped commits of yours which
    /// it still lacks (someone force-pushed over your work; DroppedUpstreamWork.open).
    public var droppedUpstream: [DroppedUpstreamWork] = []

    public enum Failure: Error, CustomStringConvertible {
        case noBranch(String)
        case noUpstream(branch: String)
        case noTrackingRef(remote: String, branch: String)
        case noRemote(String)

        public var description: String {
            switch self {
            case .noBranch(let name):
                return "no branch \(name) here; name one (git refuge check BRANCH) or check out a branch"
            case .noRemote(let name):
                return "no remote named \(name) here; git remote -v lists the remotes"
            case .noUpstream(let branch):
                return "\(branch) has no upstream; pass --remote R, or set one with git branch --set-upstream-to"
            case .noTrackingRef(let remote, let branch):
                return "remote \(remote) has no remote-tracking ref for \(branch); run git fetch \(remote) first"
            }
        }
    }

    /// - Parameters:
    ///   - branch: a short or full branch name; nil for the checked-out branch.
    ///   - remote: the remote to compare with; nil for the branch's configured upstream remote.
    public static func run(repository: Repository, store: AuditStore?, branch: String?, remote: String?) throws
        -> ForcePushCheck
    {
        let head = try repository.symbolicTarget(of: "HEAD")
        guard let full = branch.map({ $0.hasPrefix("refs/") ? $0 : "refs/heads/\($0)" }) ?? head,
              full.hasPrefix("refs/heads/")
        else { throw Failure.noBranch(branch ?? "HEAD") }
        let short = String(full.dropFirst("refs/heads/".count))
        if branch != nil, try repository.resolveReference(full) == nil { throw Failure.noBranch(branch!) }
        guard let remoteName = try remote ?? repository.configString("branch.\(short).remote") else {
            throw Failure.noUpstream(branch: short)
        }
        if try repository.configString("remote.\(remoteName).url") == nil { throw Failure.noRemote(remoteName) }
        let merge = try repository.configString("branch.\(short).merge") ?? full
        guard let tracking = try repository.trackingReference(remote: remoteName, remoteReference: remote == nil ? merge : full),
              let remoteTip = try repository.resolveReference(tracking).flatMap({ try repository.peelToCommit($0) })
        else { throw Failure.noTrackingRef(remote: remoteName, branch: short) }
        let localTip = try repository.resolveReference(full).flatMap { try repository.peelToCommit($0) }

        let risk = try Self.risk(of: remoteTip, overwrittenBy: localTip, branch: full, repository: repository, store: store)
        return ForcePushCheck(
            branch: full, trackingRef: tracking, local: localTip, remote: remoteTip,
            ahead: try localTip.map { try repository.countCommits(reachableFrom: [$0], excluding: [remoteTip]) } ?? 0,
            behind: risk.wouldDrop.count, wouldDrop: risk.wouldDrop,
            verdicts: risk.verdicts, lastMoved: try lastMovement(of: tracking, repository: repository, store: store),
            droppedUpstream: try DroppedUpstreamWork.open(trackingRef: tracking, repository: repository, store: store))
    }

    /// The rule itself: the commits of `remoteTip` that `localTip` lacks, and what each of them is. Integrated
    /// means some past value of `branch` reached it (its reflog, and the values the audit log recorded, which
    /// outlive reflog expiry).
    static func risk(of remoteTip: ObjectID, overwrittenBy localTip: ObjectID?, branch: String, repository: Repository,
                     store: AuditStore?) throws
        -> (wouldDrop: [CommitSummary], verdicts: [ObjectID: Verdict])
    {
        let localTips = localTip.map { [$0] } ?? []
        let wouldDrop = try repository.commits(reachableFrom: [remoteTip], excluding: localTips)
        guard !wouldDrop.isEmpty else { return ([], [:]) }
        let reflog = (try? repository.reflog(of: branch)) ?? []
        var pastValues: Set<ObjectID> = []
        for entry in reflog {
            if let new = entry.new, let commit = try repository.peelToCommit(new) { pastValues.insert(commit) }
        }
        if let store {
            var filter = EventFilter(repository: repository.auditIdentity)
            filter.ref = branch
            filter.side = .local
            // A log this binary cannot read yet (opened read-only by pre-push, before any command migrated
            // it) leaves the reflog to go by: the check runs all the same.
            for event in (try? store.events(filter)) ?? [] {
                if let new = event.new, repository.contains(new), let commit = try repository.peelToCommit(new) {
                    pastValues.insert(commit)
                }
            }
        }
        let integrated = try repository.commitSet(reachableFrom: pastValues.sorted(), excluding: localTips)
        // The patches of what is pushed (what the local tip has beyond the remote's): a dropped commit whose
        // patch is among them was rewritten, not discarded.
        var pushedPatches: [ObjectID: ObjectID] = [:]
        if wouldDrop.contains(where: { integrated.contains($0.id) }), let localTip {
            for commit in try repository.commitsOldestFirst(reachableFrom: [localTip], excluding: [remoteTip]) {
                if let patch = try repository.patchID(of: commit) { pushedPatches[patch] = commit }
            }
        }
        let me = ((try? repository.configString("user.email")) ?? nil)?.lowercased()
        // The newest 2,000 entries, oldest first: the first value of the branch that reached a commit tells
        // how it came in.
        let history = Array(reflog.prefix(2_000).reversed())
        var verdicts: [ObjectID: Verdict] = [:]
        for commit in wouldDrop {
            guard integrated.contains(commit.id) else {
                verdicts[commit.id] = .neverIntegrated
                continue
            }
            if let patch = try repository.patchID(of: commit.id), let copy = pushedPatches[patch] {
                verdicts[commit.id] = .rewritten(as: copy)
                continue
            }
            var othersWork = me.map { commit.authorEmail.lowercased() != $0 } ?? false
            if !othersWork {
                for entry in history {
                    guard let new = entry.new, let value = try repository.peelToCommit(new),
                          try repository.isAncestor(commit.id, of: value)
                    else { continue }
                    othersWork = Self.cameFromElsewhere(entry.message)
                    break
                }
            }
            verdicts[commit.id] = .discarded(othersWork: othersWork)
        }
        return (wouldDrop, verdicts)
    }

    /// A reflog message of an update that brought other people's commits into the branch.
    static func cameFromElsewhere(_ message: String) -> Bool {
        message.hasPrefix("pull") || message.hasPrefix("merge") || message.hasPrefix("fetch")
            || message.hasPrefix("reset: moving to ") && message.contains("/")  // to a remote-tracking ref, likely
    }

    /// The tracking ref's reflog says how it moved ("update by push", "fetch: fast-forward", "pull: …");
    /// without one, the audit log's last local event on it (a fetch: pushes confirm client rows instead).
    private static func lastMovement(of tracking: String, repository: Repository, store: AuditStore?) throws -> Movement? {
        if let entry = try repository.reflog(of: tracking).first {
            let how = entry.message.hasPrefix("fetch") || entry.message.hasPrefix("pull") ? "fetch"
                : entry.message.contains("push") ? "push" : "other"
            return Movement(time: entry.time, how: how, detail: entry.message)
        }
        var filter = EventFilter(repository: repository.auditIdentity)
        filter.ref = tracking
        filter.limit = 1
        guard let store, let event = try store.events(filter).last else { return nil }
        return Movement(time: event.time, how: "fetch", detail: "audit event #\(event.id ?? 0)")
    }
}
