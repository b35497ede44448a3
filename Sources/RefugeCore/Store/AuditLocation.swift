import Foundation
import GitKit

/// Where a repository's audit log lives, and how its files are shared.
public struct AuditLocation: Sendable, Equatable {
    public let databasePath: String
    /// `refuge.sharedDatabase`: group-readable/writable files (0660) in a setgid directory.
    public let shared: Bool
    /// Where the hook shims spool what happened until a drain records it: always inside the repository.
    public let spoolDirectory: String

    /// `REFUGE_DATABASE`, else `git config refuge.database`, else `<common dir>/refuge/audit.db`.
    /// A relative `refuge.database` is taken relative to the common git directory.
    public static func resolve(for repository: Repository, environment: [String: String]) throws -> AuditLocation {
        let common = repository.commonDirectory
        var configured = environment["REFUGE_DATABASE"].flatMap { $0.isEmpty ? nil : $0 }
        if configured == nil { configured = try repository.configString("refuge.database") }
        let path: String
        if let configured {
            let expanded = (configured as NSString).expandingTildeInPath
            path = expanded.hasPrefix("/") ? expanded : (common as NSString).appendingPathComponent(expanded)
        } else {
            path = "\(common)/refuge/audit.db"
        }
        return AuditLocation(
            databasePath: (path as NSString).standardizingPath,
            shared: (try repository.configBool("refuge.sharedDatabase")) ?? false,
            spoolDirectory: Self.spoolDirectory(commonDirectory: common))
    }

    /// Creates `<common dir>/refuge` and its spool with Refuge's modes (0700, or 2770 when shared) before
    /// a hook shim creates them with the umask's. Existing directories get the mode too: they are Refuge's.
    public func prepareRepositoryDirectories() throws {
        let mode: mode_t = shared ? 0o2770 : 0o700
        let refugeDirectory = (spoolDirectory as NSString).deletingLastPathComponent
        for directory in [refugeDirectory, spoolDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, mode)
        }
    }

    /// The hook shims write `<common dir>/refuge/spool` by the same rule.
    public static func spoolDirectory(commonDirectory: String) -> String {
        "\(commonDirectory)/refuge/spool"
    }
}
