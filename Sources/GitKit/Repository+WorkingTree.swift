internal import CLibgit2

extension Repository {
    /// Tracked files whose content differs from HEAD in the index or the working tree (untracked files
    /// are not counted: a checkout refuses by itself to overwrite one). Empty for a bare repository.
    public func uncommittedChanges() throws -> [String] {
        guard !isBare else { return [] }
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "preparing a status")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check(git_status_list_new(&list, pointer, &options), "reading the working tree's status")
        defer { git_status_list_free(list) }
        var paths: [String] = []
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index)?.pointee else { continue }
            let delta = entry.head_to_index ?? entry.index_to_workdir
            if let delta, let path = delta.pointee.new_file.path ?? delta.pointee.old_file.path {
                paths.append(String(cString: path))
            }
        }
        return paths
    }

    /// Whether branch `name` is checked out in this worktree, in another one, or nowhere.
    public enum CheckoutPlace: Sendable, Equatable { case here, elsewhere, nowhere }

    public func checkoutPlace(of name: String) throws -> CheckoutPlace {
        guard name.hasPrefix("refs/heads/") else { return .nowhere }
        if !isBare, try symbolicTarget(of: "HEAD") == name { return .here }
        var reference: OpaquePointer?
        let lookup = git_reference_lookup(&reference, pointer, name)
        if lookup == GIT_ENOTFOUND.rawValue { return .nowhere }
        try check(lookup, "looking up \(name)")
        defer { git_reference_free(reference) }
        let result = try check(git_branch_is_checked_out(reference), "checking where \(name) is checked out")
        // In a bare repository HEAD names the default branch without checking anything out.
        let defaultBranchOfBare = try isBare && symbolicTarget(of: "HEAD") == name
        if result == 1 && !defaultBranchOfBare { return .elsewhere }
        return .nowhere
    }

    /// Makes the index and the working tree match commit `target`, as `git checkout` would from `baseline`
    /// (what HEAD holds now): files that differ from `baseline` are never overwritten, the checkout stops
    /// first. Used before moving the checked-out branch.
    public func checkOut(_ target: ObjectID, from baseline: ObjectID) throws {
        var targetOID = target.raw, baselineOID = baseline.raw
        var targetCommit: OpaquePointer?, baselineCommit: OpaquePointer?
        try check(git_commit_lookup(&targetCommit, pointer, &targetOID), "reading commit \(target.hex)")
        defer { git_commit_free(targetCommit) }
        try check(git_commit_lookup(&baselineCommit, pointer, &baselineOID), "reading commit \(baseline.hex)")
        defer { git_commit_free(baselineCommit) }
        var baselineTree: OpaquePointer?
        try check(git_commit_tree(&baselineTree, baselineCommit), "reading the tree of \(baseline.short)")
        defer { git_tree_free(baselineTree) }
        var options = git_checkout_options()
        try check(git_checkout_options_init(&options, UInt32(GIT_CHECKOUT_OPTIONS_VERSION)), "preparing a checkout")
        options.checkout_strategy = GIT_CHECKOUT_SAFE.rawValue
        options.baseline = baselineTree
        try check(git_checkout_tree(pointer, targetCommit, &options), "updating the working tree to \(target.short)")
    }
}
