import Foundation
import GitKit

/// A commit an update dropped from its ref, and where it is now.
public struct DroppedCommit: Sendable {
    public enum State: String, Sendable {
        /// A recovery brought it back: the commit itself (a restore) or a copy (a replay) is live again.
        case recovered
        /// Another ref (or HEAD) still reaches it.
        case reachable
        /// Only Refuge's own pins (`refs/refuge/…`) still reach it.
        case pinned
        /// No ref reaches it: only reflogs, the audit log's ids and the object database remember it.
        case gone
    }

    public let commit: CommitSummary
    /// The refs that still reach it, the updated ref itself and Refuge's pins excepted.
    public let reachableFrom: [String]
    /// Refuge's pins (`refs/refuge/kept/…`) that keep it.
    public let pinnedBy: [String]
    /// The commit in the new history with the same patch: the update rewrote it (a rebase, an amend).
    public let rewrittenAs: ObjectID?
    /// The recovery (event id) that brought it back, and the live copy when it was a replay.
    public let recoveredBy: Int64?
    public let recoveredAs: ObjectID?

    public var state: State {
        if recoveredBy != nil { return .recovered }
        if !reachableFrom.isEmpty { return .reachable }
        return pinnedBy.isEmpty ? .gone : .pinned
    }
}

extension UpdateClassifier {
    /// The dropped commits of `update`, newest first, each with the refs that still reach it, when the
    /// new history holds the same patch the commit that replaced it, and which of `recoveries` (done
    /// recoveries of this repository) brought it back. Nil when this repository lacks them.
    /// `undoneBy`: the recoveries of this very update (a deletion's commits are counted without the refs
    /// they restored, or a restored branch would hide everything the deletion dropped).
    public func explainDropped(_ update: RefUpdate, kind: UpdateKind, droppedAt: Date? = nil, undoneBy: [AuditEvent] = [],
                               recoveries: [AuditEvent] = []) throws -> [DroppedCommit]? {
        let commits: [CommitSummary]
        if kind == .delete, !undoneBy.isEmpty, let old = update.old {
            guard let oldCommit = try repository.peelToCommit(old) else { return repository.contains(old) ? [] : nil }
            let restored = Set([update.ref] + undoneBy.map(\.ref))
            commits = try repository.commits(reachableFrom: [oldCommit], excluding: try remainingTips(excluding: restored))
        } else {
            guard let dropped = try droppedCommits(update, kind: kind) else { return nil }
            commits = dropped
        }
        guard !commits.isEmpty else { return [] }
        let dropped = Set(commits.map(\.id))
        let newCommit = try update.new.flatMap { try repository.peelToCommit($0) }
        var reachers: [ObjectID: [String]] = [:]
        // The updated ref itself counts too: it may have come back to them since (a reset, then new commits).
        for (name, tip) in try namedTips() {
            // Commits reachable from the new value are not dropped: walk only what lies outside it.
            let reached = try repository.commitSet(reachableFrom: [tip], excluding: newCommit.map { [$0] } ?? [])
            for id in reached.intersection(dropped) { reachers[id, default: []].append(name) }
        }
        var rewrites: [ObjectID: ObjectID] = [:]
        if let newCommit, let oldCommit = try update.old.flatMap({ try repository.peelToCommit($0) }) {
            var added: [ObjectID: ObjectID] = [:]  // patch id → the commit the update added with it
            for commit in try repository.commits(reachableFrom: [newCommit], excluding: [oldCommit]) {
                if let patch = try repository.patchID(of: commit.id) { added[patch] = commit.id }
            }
            if !added.isEmpty {
                for id in dropped {
                    if let patch = try repository.patchID(of: id), let copy = added[patch] { rewrites[id] = copy }
                }
            }
        }
        // What recoveries brought back: the commit itself, live again after a recovery of this update, or
        // (a replay) a live copy that a recovery added. Copies are looked for only where no ref has the commit.
        let attribution = RecoveryAttribution(repository: repository, recoveries: recoveries)
        let live = Set(try remainingTips(excluding: nil))
        let unreached = commits.filter { (reachers[$0.id] ?? []).allSatisfy { RefugeRefs.isRefugeOwned($0) } }.map(\.id)
        let copies = try CommitCopies(
            repository: repository, liveTips: live.sorted(),
            since: try CommitCopies.earliestCopyTime(unreached.map { ($0, droppedAt) }, repository: repository))
        return try commits.map {
            let refs = (reachers[$0.id] ?? []).sorted()
            let reachable = refs.filter { !RefugeRefs.isRefugeOwned($0) }
            var recovery: (id: Int64?, copy: ObjectID?)?
            var rewrittenAs = rewrites[$0.id]
            if !reachable.isEmpty {
                if let undo = undoneBy.first(where: { $0.status == .done }) { recovery = (undo.id, nil) }
            } else if let copy = try copies.copy(of: $0) {
                // The rule `lost` applies: a live copy made later (a squash, an amend, a rebase after) counts.
                if let by = try attribution.recovery(thatAdded: copy) { recovery = (by.id, copy) } else { rewrittenAs = rewrittenAs ?? copy }
            }
            return DroppedCommit(
                commit: $0, reachableFrom: reachable, pinnedBy: refs.filter { RefugeRefs.isRefugeOwned($0) },
                rewrittenAs: rewrittenAs, recoveredBy: recovery?.id, recoveredAs: recovery?.copy)
        }
    }

    /// Every ref (and a detached HEAD) with the commit it points at.
    private func namedTips() throws -> [(String, ObjectID)] {
        var tips: [(String, ObjectID)] = []
        for reference in try repository.directReferences() {
            if let commit = try repository.peelToCommit(reference.target) { tips.append((reference.name, commit)) }
        }
        if try repository.symbolicTarget(of: "HEAD") == nil, let head = try repository.resolveReference("HEAD"),
           let commit = try repository.peelToCommit(head) {
            tips.append(("HEAD", commit))
        }
        return tips
    }
}
