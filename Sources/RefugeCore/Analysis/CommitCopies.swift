import Foundation
import GitKit

/// Finds the copy, in live history, of a commit no ref reaches: what a rebase, an amend, a cherry-pick, a
/// squash or `recover --replay` made of it. A copy keeps the original's author, and either its patch (the
/// same patch id, by the same author name and e-mail: a rebase, `rebase --ignore-date` included, a
/// cherry-pick, a replay, an amend of the message) or, with the same author date too, its parents (an amend
/// that changed the content). A commit by the same author e-mail that records the very same tree holds the
/// original's result too: the squash of `rebase -i` (it has the last original's tree). `lost`, `show` and
/// reports all ask this one rule.
/// Only live commits committed since the oldest original (or a week before it left its ref, if later) are
/// read, and a patch id is computed only for a commit whose author matches: the cost follows how recent the
/// lost work is, not the size of the history.
final class CommitCopies {
    private struct Author: Hashable {
        let name: String, email: String, time: Date
        init(_ commit: CommitSummary) { (name, email, time) = (commit.authorName, commit.authorEmail, commit.authorTime) }
    }

    private let repository: Repository
    private var candidates: [Author: [ObjectID]] = [:]
    /// The same commits by author name and e-mail, whatever the date (the patch rule).
    private var byAuthorName: [String: [ObjectID]] = [:]
    /// Live commits by tree, with their author's e-mail.
    private var byTree: [ObjectID: [(id: ObjectID, email: String)]] = [:]
    private var patches: [ObjectID: ObjectID?] = [:]

    /// Commits no ref reaches that may be copies in between (a squash later rebased): a copy found among them
    /// counts only if it has a live copy in turn.
    private var unreachable: Set<ObjectID> = []

    /// How far back before an original left its ref a copy is looked for: a rebase, an amend or a squash
    /// makes its copies just before it moves the ref (an interactive rebase can stop for hours), a replay
    /// or a cherry-pick after. A copy made longer before (a cherry-pick a week before the original's branch
    /// was deleted) is not looked for: the original stays listed as lost, which errs on the side of work.
    static let window: TimeInterval = 7 * 86_400

    /// The oldest commit time a copy of `originals` can have, when each left its ref at `leftAt` (nil:
    /// unknown): no earlier than the original itself, nor than `window` before it left.
    static func earliestCopyTime(_ originals: [(commit: ObjectID, leftAt: Date?)], repository: Repository) throws -> Date? {
        try originals.map { original in
            let committed = try repository.commitTime(original.commit)
            return original.leftAt.map { max(committed, $0.addingTimeInterval(-window)) } ?? committed
        }.min()
    }

    /// - Parameters:
    ///   - liveTips: what the refs point at.
    ///   - since: the oldest commit time a copy may have (`earliestCopyTime`); live history is read back to
    ///     it (a minute earlier, for clocks that disagree), newest first.
    ///   - unreachable: other commits no ref reaches, searched as copies in between.
    init(repository: Repository, liveTips: [ObjectID], since: Date?, unreachable: Set<ObjectID> = []) throws {
        self.repository = repository
        guard let since, !liveTips.isEmpty else { return }
        for commit in try repository.commits(reachableFrom: liveTips, committedSince: since.addingTimeInterval(-60)) {
            index(commit.commit, tree: commit.tree)
        }
        // No live commit recent enough to be a copy: nothing can be (the usual case for old lost work).
        guard !candidates.isEmpty else { return }
        self.unreachable = unreachable
        for id in unreachable {
            index(try repository.commitSummary(id), tree: try repository.treeID(of: id))
        }
    }

    /// Whether any live commit could be a copy at all (else every answer is nil, without reading anything).
    var mayHaveCopies: Bool { !candidates.isEmpty }

    private func index(_ commit: CommitSummary, tree: ObjectID) {
        candidates[Author(commit), default: []].append(commit.id)
        byAuthorName["\(commit.authorName) <\(commit.authorEmail)>", default: []].append(commit.id)
        byTree[tree, default: []].append((commit.id, commit.authorEmail))
    }

    /// The live commit that is a copy of `original` (directly, or through copies no ref reaches), if any.
    func copy(of original: CommitSummary) throws -> ObjectID? {
        guard !candidates.isEmpty else { return nil }
        var seen: Set<ObjectID> = [original.id]
        return try copy(of: original, seen: &seen)
    }

    private func copy(of original: CommitSummary, seen: inout Set<ObjectID>) throws -> ObjectID? {
        for candidate in try directCopies(of: original) where seen.insert(candidate).inserted {
            if !unreachable.contains(candidate) { return candidate }
            if let live = try copy(of: try repository.commitSummary(candidate), seen: &seen) { return live }
        }
        return nil
    }

    /// Every candidate that copies `original`: the same tree (and author e-mail), then the same author and
    /// date with the same parents (an amend), then the same author name and e-mail with the same patch.
    private func directCopies(of original: CommitSummary) throws -> [ObjectID] {
        var found: [ObjectID] = []
        if let same = byTree[try repository.treeID(of: original.id)] {
            // Not one of its own ancestors: a lost empty commit, or a revert, records a tree its history had.
            for candidate in same where candidate.email == original.authorEmail && candidate.id != original.id {
                if try !repository.isAncestor(candidate.id, of: original.id) { found.append(candidate.id) }
            }
        }
        if let sameAuthor = candidates[Author(original)]?.filter({ $0 != original.id }), !sameAuthor.isEmpty {
            let parents = try repository.parents(of: original.id)
            for candidate in sameAuthor where try repository.parents(of: candidate) == parents { found.append(candidate) }
        }
        let sameName = (byAuthorName["\(original.authorName) <\(original.authorEmail)>"] ?? []).filter { $0 != original.id }
        if !sameName.isEmpty, let patch = try patchID(original.id) {
            for candidate in sameName where try patchID(candidate) == patch { found.append(candidate) }
        }
        return found
    }

    private func patchID(_ id: ObjectID) throws -> ObjectID? {
        if let known = patches[id] { return known }
        let patch = try repository.patchID(of: id)
        patches[id] = patch
        return patch
    }
}

/// Which recovery brought a commit back: the newest done recovery whose update added it (it is reachable
/// from the recovery's new value and not from its old one). A restore brings the original commit back; a
/// replay brings a copy (CommitCopies finds it).
struct RecoveryAttribution {
    let repository: Repository
    /// Done recoveries, newest first.
    let recoveries: [AuditEvent]

    init(repository: Repository, recoveries: [AuditEvent]) {
        self.repository = repository
        self.recoveries = recoveries.filter { $0.status == .done }.sorted { ($0.time, $0.id ?? 0) > ($1.time, $1.id ?? 0) }
    }

    func recovery(thatAdded commit: ObjectID) throws -> AuditEvent? {
        for recovery in recoveries {
            guard let new = recovery.new, let newCommit = try repository.peelToCommit(new),
                  try repository.isAncestor(commit, of: newCommit)
            else { continue }
            if let old = recovery.old, let oldCommit = try repository.peelToCommit(old),
               try repository.isAncestor(commit, of: oldCommit) {
                continue
            }
            return recovery
        }
        return nil
    }
}
