internal import CLibgit2

/// What a reference must hold for a write to go ahead: git's compare-and-swap.
public enum ExpectedReferenceValue: Hashable, Sendable {
    /// The reference must not exist (restoring a deleted branch, creating `--as NEWREF`).
    case absent
    /// The reference must point at exactly this object.
    case value(ObjectID)
}

extension Repository {
    /// Points `name` at `target` only if it still holds `expected`; the reflog gets `message`.
    /// Fails with `GIT_EMODIFIED` (or `GIT_EEXISTS` for `.absent`) when someone moved it meanwhile.
    /// libgit2 runs no hooks: the caller records the update itself.
    public func writeReference(_ name: String, to target: ObjectID, expecting expected: ExpectedReferenceValue, message: String) throws {
        var oid = target.raw
        var reference: OpaquePointer?
        switch expected {
        case .absent:
            try check(git_reference_create(&reference, pointer, name, &oid, 0, message),
                      "creating \(name) at \(target.short)")
        case .value(let current):
            var currentOID = current.raw
            try check(git_reference_create_matching(&reference, pointer, name, &oid, 1, &currentOID, message),
                      "moving \(name) from \(current.short) to \(target.short)")
        }
        git_reference_free(reference)
    }

    /// Deletes `name` only if it still points at `expected` (libgit2 deletes against the value it read).
    /// - Returns: false when the reference no longer holds `expected` (or is gone); nothing was deleted.
    @discardableResult
    public func deleteReference(_ name: String, expecting expected: ObjectID) throws -> Bool {
        var reference: OpaquePointer?
        let lookup = git_reference_lookup(&reference, pointer, name)
        if lookup == GIT_ENOTFOUND.rawValue { return false }
        try check(lookup, "looking up \(name)")
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_DIRECT,
              let target = git_reference_target(reference), ObjectID(target.pointee) == expected
        else { return false }
        let result = git_reference_delete(reference)
        if result == GIT_EMODIFIED.rawValue { return false }
        try check(result, "deleting \(name)")
        return true
    }

    /// Resolves a revision as git does (`main~2`, an abbreviated id, a tag) to the object it names.
    public func resolveRevision(_ revision: String) throws -> ObjectID? {
        var object: OpaquePointer?
        let result = git_revparse_single(&object, pointer, revision)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EAMBIGUOUS.rawValue || result == GIT_EINVALIDSPEC.rawValue {
            git_error_clear()
            return nil
        }
        try check(result, "resolving revision \(revision)")
        defer { git_object_free(object) }
        return ObjectID(git_object_id(object).pointee)
    }
}
