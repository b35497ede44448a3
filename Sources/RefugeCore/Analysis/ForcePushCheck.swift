import Foundation
import GitKit

/// What a force push of a branch would do now, by git's `--force-if-includes` rule: remote commits
/// are safe to drop only if the local branch once had them (some entry of its reflog reaches them).
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
    public let neverIntegrated: [CommitSummary]
    /// The last time the remote-tracking ref moved, and how (from the audit log, else its reflog).
    public let lastMoved: Movement?

    public struct Movement: Sendable {
        public let time: Date
        /// "fetch", "push" or "other".
        public let how: String
        public let detail: String
    }

    public var safeToForce: Bool { neverIntegrated.isEmpty }

    public enum Failure: Error, CustomStringConvertible {
        case noBranch(String)
        case noUpstream(branch: String)
        case noTrackingRef(remote: String, branch: String)

        public var description: String {
            switch self {
            case .noBranch(let name):
                return "no branch \(name) here; name one (git refuge check BRANCH) or check out a branch"
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
        guard let remoteName = try remote ?? repository.configString("branch.\(short).remote") else {
            throw Failure.noUpstream(branch: short)
        }
        let merge = try repository.configString("branch.\(short).merge") ?? full
        guard let tracking = try repository.trackingReference(remote: remoteName, remoteReference: remote == nil ? merge : full),
              let remoteTip = try repository.resolveReference(tracking).flatMap({ try repository.peelToCommit($0) })
        else { throw Failure.noTrackingRef(remote: remoteName, branch: short) }
        let localTip = try repository.resolveReference(full).flatMap { try repository.peelToCommit($0) }

        let risk = try Self.risk(of: remoteTip, overwrittenBy: localTip, branch: full, repository: repository, store: store)
        return ForcePushCheck(
            branch: full, trackingRef: tracking, local: localTip, remote: remoteTip,
            ahead: try localTip.map { try repository.countCommits(reachableFrom: [$0], excluding: [remoteTip]) } ?? 0,
            behind: risk.wouldDrop.count, wouldDrop: risk.wouldDrop, neverIntegrated: risk.neverIntegrated,
            lastMoved: try lastMovement(of: tracking, repository: repository, store: store))
    }

    /// The rule itself: the commits of `remoteTip` that `localTip` lacks, and of those the ones no past value
    /// of `branch` reached (its reflog, and the values the audit log recorded, which outlive reflog expiry).
    static func risk(of remoteTip: ObjectID, overwrittenBy localTip: ObjectID?, branch: String, repository: Repository,
                     store: AuditStore?) throws -> (wouldDrop: [CommitSummary], neverIntegrated: [CommitSummary])
    {
        let localTips = localTip.map { [$0] } ?? []
        let wouldDrop = try repository.commits(reachableFrom: [remoteTip], excluding: localTips)
        guard !wouldDrop.isEmpty else { return ([], []) }
        var pastValues: Set<ObjectID> = []
        for entry in (try? repository.reflog(of: branch)) ?? [] {
            if let new = entry.new, let commit = try repository.peelToCommit(new) { pastValues.insert(commit) }
        }
        if let store {
            var filter = EventFilter(repository: repository.auditIdentity)
            filter.ref = branch
            filter.side = .local
            for event in try store.events(filter) {
                if let new = event.new, repository.contains(new), let commit = try repository.peelToCommit(new) {
                    pastValues.insert(commit)
                }
            }
        }
        let integrated = try repository.commitSet(reachableFrom: pastValues.sorted(), excluding: localTips)
        return (wouldDrop, wouldDrop.filter { !integrated.contains($0.id) })
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
