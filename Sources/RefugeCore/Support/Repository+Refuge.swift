import Foundation
import GitKit

extension Repository {
    /// How a repository is named in the audit log: its common git directory, so linked worktrees share it.
    public var auditIdentity: String {
        (commonDirectory as NSString).standardizingPath
    }
}

extension Repository {
    /// The remote-tracking ref of `branch`'s configured upstream (`branch.<name>.remote` and `.merge`
    /// through the remote's fetch refspecs); nil without one.
    func upstreamTrackingRef(ofBranch branch: String) throws -> String? {
        guard let remote = try configString("branch.\(branch).remote"),
              let merge = try configString("branch.\(branch).merge")
        else { return nil }
        return try trackingReference(remote: remote, remoteReference: merge)
    }
}
