import GitKit

/// A commit an update dropped from its ref, and where it is now.
public struct DroppedCommit: Sendable {
    public enum State: String, Sendable {
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

    public var state: State {
        if !reachableFrom.isEmpty { return .reachable }
        return pinnedBy.isEmpty ? .gone : .pinned
    }
}

extension UpdateClassifier {
    /// The dropped commits of `update`, newest first, each with the refs that still reach it and, when the
    /// new history holds the same patch, the commit that replaced it. Nil when this repository lacks them.
    public func explainDropped(_ update: RefUpdate, kind: UpdateKind) throws -> [DroppedCommit]? {
        guard let commits = try droppedCommits(update, kind: kind) else { return nil }
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
        return commits.map {
            let refs = (reachers[$0.id] ?? []).sorted()
            return DroppedCommit(
                commit: $0, reachableFrom: refs.filter { !$0.hasPrefix("refs/refuge/") },
                pinnedBy: refs.filter { $0.hasPrefix("refs/refuge/") }, rewrittenAs: rewrites[$0.id])
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
