import Foundation
import GitKit
import PGKit

/// Where the central store is, and the one way to connect to it: errors never show a password.
public enum CentralDestination {
    /// `given` (--to), else `refuge.central` of the repository.
    public static func conninfo(given: String?, repository: Repository?) throws -> String {
        if let given, !given.isEmpty { return given }
        if let configured = try repository?.configString("refuge.central"), !configured.isEmpty { return configured }
        throw CentralStoreError.noDestination
    }

    /// A connection, or one line saying which store could not be reached and why (password removed).
    public static func connect(_ conninfo: String) throws -> Connection {
        try Connection(conninfo, operation: "cannot reach the central store \(PGError.redacted(conninfo))")
    }
}
