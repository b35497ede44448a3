import GitKit

/// What an update did, by ancestry in one repository.
public struct Classification: Hashable, Sendable {
    public let kind: UpdateKind
    /// Commits dropped; nil when this repository cannot tell (it lacks the overwritten commits).
    public let dropped: Int?
}

/// Classifies ref updates and counts the commits they drop (annotated tags are peeled to commits).
public struct UpdateClassifier {
    let repository: Repository

    public init(repository: Repository) {
        self.repository = repository
    }

    /// - Parameter keptRefs: for a deletion, which refs still keep commits alive. By default every ref
    ///   and HEAD as they are now (after the update). A client about to push a deletion passes the refs
    ///   that will remain, without the remote-tracking ref of the branch it deletes.
    public func classify(_ update: RefUpdate, keptRefs: (() throws -> [ObjectID])? = nil) throws -> Classification {
        switch (update.old, update.new) {
        case (nil, _):
            return Classification(kind: .create, dropped: 0)
        case (let old?, nil):
            guard let oldCommit = try repository.peelToCommit(old) else {
                return Classification(kind: .delete, dropped: repository.contains(old) ? 0 : nil)
            }
            let kept = try keptRefs?() ?? remainingTips(excluding: nil)
            return Classification(
                kind: .delete, dropped: try repository.countCommits(reachableFrom: [oldCommit], excluding: kept))
        case (let old?, let new?):
            if old == new { return Classification(kind: .fastForward, dropped: 0) }
            guard let oldCommit = try repository.peelToCommit(old) else {
                // Never fetched here, or not a commit at all (a tag of a tree): a forced update either way.
                return Classification(kind: .forced, dropped: repository.contains(old) ? 0 : nil)
            }
            guard let newCommit = try repository.peelToCommit(new) else {
                return Classification(kind: .forced, dropped: try repository.countCommits(reachableFrom: [oldCommit], excluding: []))
            }
            if oldCommit == newCommit {
                // A tag moved to a new tag object of the same commit is still a rewrite of the ref.
                let sameCommitNewObject = old != new && update.ref.hasPrefix("refs/tags/")
                return Classification(kind: sameCommitNewObject ? .forced : .fastForward, dropped: 0)
            }
            // Most updates add commits on top of the old tip: one commit read says so.
            if try repository.parents(of: newCommit).contains(oldCommit) {
                return Classification(kind: .fastForward, dropped: 0)
            }
            // Otherwise one walk answers both questions (`git rev-list --count OLD ^NEW`): nothing outside
            // the new history means the old tip is an ancestor, a fast-forward; anything else was dropped.
            let dropped = try repository.countCommits(reachableFrom: [oldCommit], excluding: [newCommit])
            return Classification(kind: dropped == 0 ? .fastForward : .forced, dropped: dropped)
        }
    }

    /// The commits every ref (and a detached HEAD) points at now, except the refs named in `excluding` and
    /// Refuge's pins (a pin keeps dropped work, it does not undo the drop).
    public func remainingTips(excluding: Set<String>?) throws -> [ObjectID] {
        var tips: Set<ObjectID> = []
        for reference in try repository.directReferences()
        where !(excluding?.contains(reference.name) ?? false) && !reference.name.hasPrefix(RefugeRefs.kept) {
            if let commit = try repository.peelToCommit(reference.target) { tips.insert(commit) }
        }
        if let head = try repository.resolveReference("HEAD"), let commit = try repository.peelToCommit(head) {
            tips.insert(commit)
        }
        return tips.sorted()
    }

    /// The commits an update dropped, newest first (empty for creations and fast-forwards).
    public func droppedCommits(_ update: RefUpdate, kind: UpdateKind, limit: Int = .max) throws -> [CommitSummary]? {
        guard kind.canDropCommits, let old = update.old else { return [] }
        guard let oldCommit = try repository.peelToCommit(old) else { return repository.contains(old) ? [] : nil }
        let excluded: [ObjectID]
        if let new = update.new {
            excluded = try repository.peelToCommit(new).map { [$0] } ?? []
        } else {
            excluded = try remainingTips(excluding: nil)
        }
        return try repository.commits(reachableFrom: [oldCommit], excluding: excluded, limit: limit)
    }
}
