import Foundation
import GitKit
import GRDB

/// Drains the spool of every repository a shared log knows (a server-wide `refuge.database`): each
/// repository's hooks spool into its own git directory, and a command drains only the repository it runs
/// in. `ship --all-repositories` runs this first, so that it covers what every repository's hooks just
/// recorded. A repository that is gone or now writes to another log is left alone.
public enum SharedLogDrain {
    public static func drainEveryRepository(of store: AuditStore, environment: [String: String]) throws -> SpoolDrain.Report {
        var total = SpoolDrain.Report()
        var seen = Set<String>()
        for path in try store.knownPaths() where seen.insert(path).inserted {
            guard let repository = try? Repository.open(at: path),
                  let location = try? AuditLocation.resolve(for: repository, environment: environment),
                  location.databasePath == store.location.databasePath,
                  !SpoolDirectory(path: location.spoolDirectory).waitingFiles.isEmpty
            else { continue }
            let report = SpoolDrain(repository: repository, store: try AuditStore(location: location)).drain()
            total.recorded += report.recorded
            total.warnings += report.warnings.map { "\(path): \($0)" }
        }
        return total
    }
}

extension AuditStore {
    /// Every repository path the log has recorded, oldest first.
    func knownPaths() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT path FROM repository ORDER BY id") }
    }
}
