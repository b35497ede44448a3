internal import CLibgit2
import Foundation

/// What a person needs to recognise a commit.
public struct CommitSummary: Hashable, Sendable {
    public let id: ObjectID
    public let authorName: String
    public let authorEmail: String
    public let authorTime: Date
    public let summary: String

    /// A commit as recorded elsewhere (the central store keeps what a source saw of it).
    public init(id: ObjectID, authorName: String, authorEmail: String, authorTime: Date, summary: String) {
        (self.id, self.authorName, self.authorEmail, self.authorTime, self.summary) = (id, authorName, authorEmail, authorTime, summary)
    }
}

extension Repository {
    /// Whether the object database holds `id`.
    public func contains(_ id: ObjectID) -> Bool {
        var odb: OpaquePointer?
        guard git_repository_odb(&odb, pointer) == 0 else { return false }
        defer { git_odb_free(odb) }
        var oid = id.raw
        return git_odb_exists(odb, &oid) == 1
    }

    /// The commit `id` names, peeling annotated tags; nil if the object is missing or not commit-ish.
    public func peelToCommit(_ id: ObjectID) throws -> ObjectID? {
        var oid = id.raw
        var object: OpaquePointer?
        let lookup = git_object_lookup(&object, pointer, &oid, GIT_OBJECT_ANY)
        if lookup == GIT_ENOTFOUND.rawValue { return nil }
        try check(lookup, "reading object \(id.hex)")
        defer { git_object_free(object) }
        var peeled: OpaquePointer?
        guard git_object_peel(&peeled, object, GIT_OBJECT_COMMIT) == 0 else {
            git_error_clear()
            return nil  // a tag of a tree or blob: no commits behind it
        }
        defer { git_object_free(peeled) }
        return ObjectID(git_object_id(peeled).pointee)
    }

    /// The commit `id` names, like `peelToCommit`, but nil (not an error) when the object is missing, and
    /// reading only the object's header when it is a commit itself (most ids a reflog names are).
    public func commitIfPresent(_ id: ObjectID) throws -> ObjectID? {
        var odb: OpaquePointer?
        try check(git_repository_odb(&odb, pointer), "opening the object database")
        defer { git_odb_free(odb) }
        var oid = id.raw
        var size = 0
        var type = GIT_OBJECT_INVALID
        let status = git_odb_read_header(&size, &type, odb, &oid)
        if status == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try check(status, "reading the header of object \(id.hex)")
        switch type {
        case GIT_OBJECT_COMMIT: return id
        case GIT_OBJECT_TAG: return try peelToCommit(id)
        default: return nil
        }
    }

    /// Whether commit `ancestor` is reachable from commit `descendant` (a commit is its own ancestor).
    public func isAncestor(_ ancestor: ObjectID, of descendant: ObjectID) throws -> Bool {
        if ancestor == descendant { return true }
        var commit = descendant.raw
        var candidate = ancestor.raw
        let result = git_graph_descendant_of(pointer, &commit, &candidate)
        try check(result, "checking whether \(ancestor.short) is an ancestor of \(descendant.short)")
        return result == 1
    }

    /// The best common ancestor of two commits (`git merge-base A B`), nil when they share no history.
    public func mergeBase(_ one: ObjectID, _ two: ObjectID) throws -> ObjectID? {
        var base = git_oid()
        var (a, b) = (one.raw, two.raw)
        let result = git_merge_base(&base, pointer, &a, &b)
        if result == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return nil
        }
        try check(result, "finding the merge base of \(one.short) and \(two.short)")
        return ObjectID(base)
    }

    /// The best common ancestors of `one` and all of `others` together, as if they were one merge of them
    /// (git's `get_merge_bases_many`, behind `git merge-base --fork-point`); empty when they share none.
    public func mergeBases(of one: ObjectID, against others: [ObjectID]) throws -> [ObjectID] {
        guard !others.isEmpty else { return [] }
        var input = ([one] + others).map(\.raw)
        var bases = git_oidarray()
        let result = git_merge_bases_many(&bases, pointer, input.count, &input)
        if result == GIT_ENOTFOUND.rawValue {
            git_error_clear()
            return []
        }
        try check(result, "finding the merge bases of \(one.short) and \(others.count) commit(s)")
        defer { git_oidarray_dispose(&bases) }
        return (0..<bases.count).map { ObjectID(bases.ids[$0]) }
    }

    /// How many commits are reachable from `tips` and from none of `hidden` (`git rev-list --count TIPS ^HIDDEN`).
    public func countCommits(reachableFrom tips: [ObjectID], excluding hidden: [ObjectID]) throws -> Int {
        var count = 0
        try walk(from: tips, excluding: hidden, sortByTime: false) { _ in
            count += 1
            return true
        }
        return count
    }

    /// The commits reachable from `tips` and from none of `hidden`, newest first, at most `limit`, in
    /// git's topological order (`git log --topo-order`): a child always before its parents, so that commits
    /// made within one second (a script, a rebase) keep their order; time breaks the other ties.
    public func commits(reachableFrom tips: [ObjectID], excluding hidden: [ObjectID], limit: Int = .max) throws
        -> [CommitSummary]
    {
        var ids: [ObjectID] = []
        try walk(from: tips, excluding: hidden, sorting: GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_TIME.rawValue) { oid in
            ids.append(ObjectID(oid))
            return ids.count < limit
        }
        return try ids.map(commitSummary)
    }

    /// The commits reachable from `tips` and from none of `hidden`, parents before children (the order
    /// in which to re-apply them).
    public func commitsOldestFirst(reachableFrom tips: [ObjectID], excluding hidden: [ObjectID]) throws -> [ObjectID] {
        var ids: [ObjectID] = []
        try walk(from: tips, excluding: hidden, sorting: GIT_SORT_TOPOLOGICAL.rawValue | GIT_SORT_REVERSE.rawValue) { oid in
            ids.append(ObjectID(oid))
            return true
        }
        return ids
    }

    /// The commits reachable from `tips` that are not in `reachable`, a set closed under parents (what some
    /// refs reach: `commitSet(reachableFrom: refs, excluding: [])`). Exact where a walk hiding many tips
    /// is not: libgit2 1.5 can return commits reachable from hidden ones, depending on the order in which
    /// tips were pushed (libgit2 issue #4333; a 100,000-commit history with 10,000 reflog tips showed it).
    /// Here every commit is tested against the set itself, and the walk stops below the first one in it.
    public func commits(reachableFrom tips: [ObjectID], outside reachable: Set<ObjectID>) throws -> Set<ObjectID> {
        var result: Set<ObjectID> = []
        let candidates = tips.filter { !reachable.contains($0) }
        guard !candidates.isEmpty else { return result }
        try walk(from: candidates, excluding: [], sorting: 0, boundary: reachable) { oid in
            result.insert(ObjectID(oid))
            return true
        }
        return result
    }

    /// Author, time and summary line of commit `id`.
    public func commitSummary(_ id: ObjectID) throws -> CommitSummary {
        try withCommit(id) { Self.summary(of: $0, id: id) }
    }

    /// Who committed `id`: `Name <email>`.
    public func committer(of id: ObjectID) throws -> String {
        try withCommit(id) { commit in
            guard let signature = git_commit_committer(commit)?.pointee else { return "unknown" }
            return "\(String(cString: signature.name)) <\(String(cString: signature.email))>"
        }
    }

    /// Runs `body` on commit `id`, looked up and freed here.
    func withCommit<T>(_ id: ObjectID, _ body: (OpaquePointer) throws -> T) throws -> T {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, pointer, &oid), "reading commit \(id.hex)")
        defer { git_commit_free(commit) }
        return try body(commit!)
    }

    func walk(
        from tips: [ObjectID], excluding hidden: [ObjectID], sortByTime: Bool,
        _ visit: (git_oid) throws -> Bool
    ) throws {
        try walk(from: tips, excluding: hidden, sorting: sortByTime ? GIT_SORT_TIME.rawValue : 0, visit)
    }

    /// - Parameter boundary: commits the walk hides, each tested as libgit2 reaches it (with its parents).
    func walk(
        from tips: [ObjectID], excluding hidden: [ObjectID], sorting: UInt32, boundary: Set<ObjectID>? = nil,
        _ visit: (git_oid) throws -> Bool
    ) throws {
        final class Boundary {
            let commits: Set<ObjectID>
            init(_ commits: Set<ObjectID>) { self.commits = commits }
        }
        attachCommitGraphOnce()
        var walker: OpaquePointer?
        try check(git_revwalk_new(&walker, pointer), "starting a revision walk")
        defer { git_revwalk_free(walker) }
        if sorting != 0 {
            try check(git_revwalk_sorting(walker, sorting), "sorting a revision walk")
        }
        let limit = boundary.map(Boundary.init)
        try withExtendedLifetime(limit) {
            if let limit {
                try check(git_revwalk_add_hide_cb(walker, { oid, payload in
                    guard let oid, let payload else { return 0 }
                    return Unmanaged<Boundary>.fromOpaque(payload).takeUnretainedValue().commits.contains(ObjectID(oid.pointee)) ? 1 : 0
                }, Unmanaged.passUnretained(limit).toOpaque()), "limiting a revision walk")
            }
            for tip in tips {
                var oid = tip.raw
                try check(git_revwalk_push(walker, &oid), "walking history from \(tip.hex)")
            }
            for hide in hidden {
                var oid = hide.raw
                try check(git_revwalk_hide(walker, &oid), "excluding history of \(hide.hex)")
            }
            var oid = git_oid()
            while true {
                let result = git_revwalk_next(&oid, walker)
                if result == GIT_ITEROVER.rawValue { return }
                try check(result, "walking history")
                guard try visit(oid) else { return }
            }
        }
    }
}

extension Repository {
    /// The commits reachable from `tips` committed at or after `since`, each with its tree, in no particular
    /// order: a commit committed before `since` is not returned and its parents are not visited (a parent is
    /// older than its child, clock skew aside). Not a libgit2 walk: any sorted revwalk reads the whole history
    /// before it returns its first commit, and this reads only the commits it returns and their parents.
    public func commits(reachableFrom tips: [ObjectID], committedSince since: Date) throws
        -> [(commit: CommitSummary, tree: ObjectID)]
    {
        let cutoff = Int64(since.timeIntervalSince1970.rounded(.down))
        var result: [(commit: CommitSummary, tree: ObjectID)] = []
        var seen = Set(tips)
        var stack = tips
        while let id = stack.popLast() {
            let parents: [ObjectID]? = try withCommit(id) { commit in
                guard Int64(git_commit_time(commit)) >= cutoff else { return nil }
                result.append((Self.summary(of: commit, id: id), ObjectID(git_commit_tree_id(commit).pointee)))
                return (0..<git_commit_parentcount(commit)).compactMap { git_commit_parent_id(commit, $0).map { ObjectID($0.pointee) } }
            }
            for parent in parents ?? [] where seen.insert(parent).inserted { stack.append(parent) }
        }
        return result
    }

    /// The tree commit `id` records.
    public func treeID(of id: ObjectID) throws -> ObjectID {
        try withCommit(id) { ObjectID(git_commit_tree_id($0).pointee) }
    }

    /// When commit `id` was committed (not authored).
    public func commitTime(_ id: ObjectID) throws -> Date {
        try withCommit(id) { Date(timeIntervalSince1970: TimeInterval(git_commit_time($0))) }
    }

    static func summary(of commit: OpaquePointer, id: ObjectID) -> CommitSummary {
        let author = git_commit_author(commit)!.pointee
        return CommitSummary(
            id: id,
            authorName: author.name.map { String(cString: $0) } ?? "",
            authorEmail: author.email.map { String(cString: $0) } ?? "",
            authorTime: Date(timeIntervalSince1970: TimeInterval(author.when.time)),
            summary: git_commit_summary(commit).map { String(cString: $0) } ?? "")
    }
}
