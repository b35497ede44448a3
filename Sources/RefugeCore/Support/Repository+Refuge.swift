import Foundation
import GitKit

extension Repository {
    /// The repository a command works on: the one containing `-C PATH`, else the one git's environment
    /// and the current directory name (as git itself finds it).
    public static func forCommand(path: String?) throws -> Repository {
        try path.map { try Repository.discover(from: $0) } ?? Repository.discover(fromEnvironment: true)
    }

    /// How a repository is named in the audit log: its common git directory, so linked worktrees share it.
    public var auditIdentity: String {
        (commonDirectory as NSString).standardizingPath
    }
}
