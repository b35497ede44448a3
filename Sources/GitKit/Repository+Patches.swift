internal import CLibgit2

extension Repository {
    /// git's stable patch id of a commit's change against its parent (`git patch-id --stable`): equal for a
    /// commit and its rebased or cherry-picked copy. Nil for merges, which have no single change.
    public func patchID(of id: ObjectID) throws -> ObjectID? {
        var oid = id.raw
        var commit: OpaquePointer?
        try check(git_commit_lookup(&commit, pointer, &oid), "reading commit \(id.hex)")
        defer { git_commit_free(commit) }
        let parents = git_commit_parentcount(commit)
        guard parents <= 1 else { return nil }
        var tree: OpaquePointer?
        try check(git_commit_tree(&tree, commit), "reading the tree of \(id.hex)")
        defer { git_tree_free(tree) }
        var parentTree: OpaquePointer?
        if parents == 1 {
            var parent: OpaquePointer?
            try check(git_commit_parent(&parent, commit, 0), "reading the parent of \(id.hex)")
            defer { git_commit_free(parent) }
            try check(git_commit_tree(&parentTree, parent), "reading the parent tree of \(id.hex)")
        }
        defer { git_tree_free(parentTree) }
        var diff: OpaquePointer?
        try check(git_diff_tree_to_tree(&diff, pointer, parentTree, tree, nil), "diffing \(id.hex) against its parent")
        defer { git_diff_free(diff) }
        // An empty commit changes nothing: no patch id, as `git patch-id` prints none (else every empty
        // commit would be a copy of every other).
        guard git_diff_num_deltas(diff) > 0 else { return nil }
        var patch = git_oid()
        try check(git_diff_patchid(&patch, diff, nil), "computing the patch id of \(id.hex)")
        return ObjectID.ifNonZero(patch)
    }

    /// The commits reachable from `tips`, except those reachable from `hidden`, as a set (order not kept).
    public func commitSet(reachableFrom tips: [ObjectID], excluding hidden: [ObjectID]) throws -> Set<ObjectID> {
        var result: Set<ObjectID> = []
        guard !tips.isEmpty else { return result }
        try walk(from: tips, excluding: hidden, sortByTime: false) { oid in
            result.insert(ObjectID(oid))
            return true
        }
        return result
    }
}
