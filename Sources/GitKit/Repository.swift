internal import CLibgit2
import Foundation

/// An open git repository: bare, non-bare or a linked worktree. Owns its `git_repository`.
public final class Repository {
    let pointer: OpaquePointer
    /// Whether Refuge's commit-graph was looked for (once, before the first walk: Repository+CommitGraph).
    var commitGraphChecked = false

    private init(pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        git_repository_free(pointer)
    }

    /// Opens the repository that contains `path`, searching parent directories as git does.
    /// Honours `GIT_DIR` and friends when `fromEnvironment` is set (as inside a hook).
    public static func discover(from path: String = ".", fromEnvironment: Bool = false) throws -> Repository {
        Libgit2.ensureInitialised()
        var handle: OpaquePointer?
        let flags = fromEnvironment ? GIT_REPOSITORY_OPEN_FROM_ENV.rawValue : 0
        let result = git_repository_open_ext(&handle, fromEnvironment ? nil : path, flags, nil)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EOWNER.rawValue,
           let trusted = openTrustedByCommandLine(fromEnvironment ? nil : path, flags: flags) {
            git_error_clear()
            return Repository(pointer: trusted)
        }
        if result == GIT_ENOTFOUND.rawValue {
            try Self.explainOwnership(fromEnvironment ? nil : path, flags: flags, operation: "opening the git repository at \(path)")
            throw GitError(
                code: .notFound, message: "not a git repository (nor any of its parents); run this inside one, or use git -C PATH refuge …",
                operation: "opening the git repository at \(path)")
        }
        try check(result, "opening the git repository at \(path)")
        return Repository(pointer: handle!)
    }

    /// Opens exactly the repository at `path` (a git dir, or a work tree holding `.git`), without searching upwards.
    public static func open(at path: String) throws -> Repository {
        Libgit2.ensureInitialised()
        var handle: OpaquePointer?
        let result = git_repository_open_ext(&handle, path, GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, nil)
        if result == GIT_ENOTFOUND.rawValue || result == GIT_EOWNER.rawValue,
           let trusted = openTrustedByCommandLine(path, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue) {
            git_error_clear()
            return Repository(pointer: trusted)
        }
        if result == GIT_ENOTFOUND.rawValue {
            try explainOwnership(path, flags: GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue, operation: "opening the git repository at \(path)")
        }
        try check(result, "opening the git repository at \(path)")
        return Repository(pointer: handle!)
    }

    /// git also reads `safe.directory` from its command line (`git -c`, `GIT_CONFIG_COUNT`: "protected"
    /// configuration, as a web server passes it to `git http-backend` and so to the hooks); libgit2 reads
    /// only the files. A repository the command line trusts (`*`, or its path) opens without the check.
    private static func openTrustedByCommandLine(_ path: String?, flags: UInt32) -> OpaquePointer? {
        // An empty value resets the list, as in git.
        let trusted = CommandLineConfig.current.values("safe.directory").reduce(into: [String]()) { list, value in
            guard let value else { return }
            if value.isEmpty { list.removeAll() } else { list.append(value) }
        }
        guard !trusted.isEmpty else { return nil }
        refuge_git_set_owner_validation(0)
        defer { refuge_git_set_owner_validation(1) }
        var probe: OpaquePointer?
        guard git_repository_open_ext(&probe, path, flags, nil) == 0, let probe else {
            git_error_clear()
            return nil
        }
        let location = (Self.trimmed(git_repository_workdir(probe) ?? git_repository_path(probe)) as NSString).standardizingPath
        if trusted.contains(where: { $0 == "*" || ($0 as NSString).standardizingPath == location }) { return probe }
        git_repository_free(probe)
        return nil
    }

    /// libgit2 1.5 refuses a repository owned by another user (git's `safe.directory` rule) but reports
    /// it as "not found". Looking again without the ownership check tells the two apart; the repository is
    /// then still refused, with the reason and git's own remedy.
    private static func explainOwnership(_ path: String?, flags: UInt32, operation: String) throws {
        refuge_git_set_owner_validation(0)
        defer { refuge_git_set_owner_validation(1) }
        var probe: OpaquePointer?
        guard git_repository_open_ext(&probe, path, flags, nil) == 0, let probe else {
            git_error_clear()
            return
        }
        let location = Self.trimmed(git_repository_workdir(probe) ?? git_repository_path(probe))
        git_repository_free(probe)
        throw GitError(
            code: .owner,
            message: "\(location) is owned by another user, and git's safe.directory does not list it; "
                + "if you trust it, run: git config --global --add safe.directory \(location)",
            operation: operation)
    }

    /// The repository's git directory (for a linked worktree, that worktree's own), without a trailing slash.
    public var gitDirectory: String { Self.trimmed(git_repository_path(pointer)) }

    /// The directory shared by all worktrees: refs, objects, config and Refuge's audit log live here.
    public var commonDirectory: String { Self.trimmed(git_repository_commondir(pointer)) }

    /// The work tree, or nil for a bare repository.
    public var workingDirectory: String? {
        git_repository_workdir(pointer).map { Self.trimmed($0) }
    }

    public var isBare: Bool { git_repository_is_bare(pointer) == 1 }

    private static func trimmed(_ path: UnsafePointer<CChar>?) -> String {
        guard let path else { return "" }
        var text = String(cString: path)
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
