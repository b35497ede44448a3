internal import CLibgit2

/// A direct reference and the object it points at.
public struct ReferenceValue: Hashable, Sendable {
    public let name: String
    public let target: ObjectID
}

extension Repository {
    /// The object `name` points at after following symbolic references; nil when it does not exist.
    public func resolveReference(_ name: String) throws -> ObjectID? {
        var oid = git_oid()
        let result = git_reference_name_to_id(&oid, pointer, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "resolving reference \(name)")
        let id = ObjectID(oid)
        return id
    }

    /// Where the symbolic reference `name` points (HEAD → refs/heads/main); nil if it is not symbolic or absent.
    public func symbolicTarget(of name: String) throws -> String? {
        var reference: OpaquePointer?
        let result = git_reference_lookup(&reference, pointer, name)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try check(result, "looking up reference \(name)")
        defer { git_reference_free(reference) }
        guard git_reference_type(reference) == GIT_REFERENCE_SYMBOLIC,
              let target = git_reference_symbolic_target(reference)
        else { return nil }
        return String(cString: target)
    }

    /// Every direct reference (symbolic ones such as `refs/remotes/origin/HEAD` are skipped: their
    /// targets are listed under their own names).
    public func directReferences() throws -> [ReferenceValue] {
        try references(matching: nil)
    }

    /// Every direct reference whose name starts with `prefix` (`refs/refuge/kept/`).
    public func references(under prefix: String) throws -> [ReferenceValue] {
        try references(matching: prefix + "*")
    }

    /// Direct references whose names match the glob, or all of them.
    private func references(matching glob: String?) throws -> [ReferenceValue] {
        var iterator: OpaquePointer?
        let operation = glob.map { "listing references \($0)" } ?? "listing references"
        if let glob {
            try check(git_reference_iterator_glob_new(&iterator, pointer, glob), operation)
        } else {
            try check(git_reference_iterator_new(&iterator, pointer), operation)
        }
        defer { git_reference_iterator_free(iterator) }
        var values: [ReferenceValue] = []
        while true {
            var reference: OpaquePointer?
            let result = git_reference_next(&reference, iterator)
            if result == GIT_ITEROVER.rawValue { break }
            try check(result, operation)
            defer { git_reference_free(reference) }
            guard git_reference_type(reference) == GIT_REFERENCE_DIRECT,
                  let oid = git_reference_target(reference),
                  let name = git_reference_name(reference)
            else { continue }
            values.append(ReferenceValue(name: String(cString: name), target: ObjectID(oid.pointee)))
        }
        return values
    }

    /// Whether `name` is a well-formed reference name by git's rules (check-ref-format).
    public static func isValidReferenceName(_ name: String) -> Bool {
        Libgit2.ensureInitialised()
        var valid: Int32 = 0
        return git_reference_name_is_valid(&valid, name) == 0 && valid == 1
    }
}
