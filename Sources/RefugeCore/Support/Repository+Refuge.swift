import Foundation
import GitKit

extension Repository {
    /// How a repository is named in the audit log: its common git directory, so linked worktrees share it.
    public var auditIdentity: String {
        (commonDirectory as NSString).standardizingPath
    }
}
