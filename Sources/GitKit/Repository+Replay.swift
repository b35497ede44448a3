internal import CLibgit2

/// The outcome of re-applying commits on a new base in memory.
public enum ReplayOutcome: Sendable, Equatable {
    /// Every commit applied; `tip` is the last new commit (or the base when there was nothing to apply).
    /// `copies` pairs each original with its copy, in order.
    case applied(tip: ObjectID, copies: [ReplayedCommit])
    /// `commit` does not apply on what came before: the files in conflict. Nothing was written to any ref.
    case conflict(commit: ObjectID, files: [String])
}

public struct ReplayedCommit: Hashable, Sendable {
    public let original: ObjectID
    public let copy: ObjectID
}

extension Repository {
    /// Cherry-picks `commits` (oldest first) one after another onto `base`, in memory: no index, working
    /// tree or ref is touched, only new commit objects are written. Authors and messages are kept; the
    /// committer is the configured user (git's own cherry-pick does the same), else the original one.
    public func replay(_ commits: [ObjectID], onto base: ObjectID) throws -> ReplayOutcome {
        var tip = base
        var copies: [ReplayedCommit] = []
        for original in commits {
            var originalOID = original.raw, tipOID = tip.raw
            var picked: OpaquePointer?, onto: OpaquePointer?
            try check(git_commit_lookup(&picked, pointer, &originalOID), "reading commit \(original.hex)")
            defer { git_commit_free(picked) }
            try check(git_commit_lookup(&onto, pointer, &tipOID), "reading commit \(tip.hex)")
            defer { git_commit_free(onto) }
            var index: OpaquePointer?
            try check(git_cherrypick_commit(&index, pointer, picked, onto, 0, nil),
                      "re-applying \(original.short) onto \(tip.short)")
            defer { git_index_free(index) }
            if git_index_has_conflicts(index) == 1 {
                return .conflict(commit: original, files: try conflictedPaths(index))
            }
            var tree = git_oid()
            try check(git_index_write_tree_to(&tree, index, pointer), "writing the tree of \(original.short)'s copy")
            var treeObject: OpaquePointer?
            try check(git_tree_lookup(&treeObject, pointer, &tree), "reading a new tree")
            defer { git_tree_free(treeObject) }
            var committer: UnsafeMutablePointer<git_signature>?
            if git_signature_default(&committer, pointer) != 0 {
                git_error_clear()
                try check(git_signature_dup(&committer, git_commit_committer(picked)), "copying a committer")
            }
            defer { git_signature_free(committer) }
            var copy = git_oid()
            var parents: [OpaquePointer?] = [onto]
            try check(parents.withUnsafeMutableBufferPointer { buffer in
                git_commit_create(
                    &copy, pointer, nil, git_commit_author(picked), committer, git_commit_message_encoding(picked),
                    git_commit_message(picked), treeObject, 1, buffer.baseAddress)
            }, "writing the copy of \(original.short)")
            let copyID = ObjectID(copy)
            copies.append(ReplayedCommit(original: original, copy: copyID))
            tip = copyID
        }
        return .applied(tip: tip, copies: copies)
    }

    private func conflictedPaths(_ index: OpaquePointer?) throws -> [String] {
        var iterator: OpaquePointer?
        try check(git_index_conflict_iterator_new(&iterator, index), "listing conflicts")
        defer { git_index_conflict_iterator_free(iterator) }
        var paths: Set<String> = []
        var ancestor: UnsafePointer<git_index_entry>?, ours: UnsafePointer<git_index_entry>?, theirs: UnsafePointer<git_index_entry>?
        while git_index_conflict_next(&ancestor, &ours, &theirs, iterator) == 0 {
            for entry in [ancestor, ours, theirs] {
                if let path = entry?.pointee.path { paths.insert(String(cString: path)) }
            }
        }
        return paths.sorted()
    }
}
