import Foundation
import GitKit

/// What `git refuge status` reports.
public struct RefugeStatus: Sendable {
    public let repository: String
    public let hooksDirectory: String
    public let hooks: [HookInstaller.HookState]
    public let location: AuditLocation
    public let databaseExists: Bool
    public let eventCount: Int?
    public let lastEvent: AuditEvent?
    public let databaseProblem: String?
    public let spoolWaiting: Int
    /// What the drain could not record, line by line (malformed hook input, say).
    public let drainWarnings: [String]

    /// Drains the spool first when it can; what it cannot write is reported as waiting.
    public static func gather(path: String?, environment: [String: String]) throws -> RefugeStatus {
        let repository = try Repository.forCommand(path: path)
        let installer = HookInstaller(repository: repository)
        let location = try AuditLocation.resolve(for: repository, environment: environment)
        var summary: AuditStore.Summary?
        var problem: String?
        var warnings: [String] = []
        if FileManager.default.fileExists(atPath: location.databasePath) || !SpoolDirectory(path: location.spoolDirectory).waitingFiles.isEmpty {
            // Write what waits first, as every command does; what cannot be written stays counted below.
            do {
                let store = try AuditStore(location: location)
                warnings = SpoolDrain(repository: repository, store: store).drain().warnings
            } catch {
                LogHealth.markUnwritable(spoolDirectory: location.spoolDirectory, reason: "\(error)")
            }
        }
        if FileManager.default.fileExists(atPath: location.databasePath) {
            do {
                summary = try AuditStore(location: location, readOnly: true).summary(repository: repository.auditIdentity)
            } catch {
                problem = "\(error)"
            }
        }
        let exists = FileManager.default.fileExists(atPath: location.databasePath)
        return RefugeStatus(
            repository: repository.auditIdentity, hooksDirectory: try installer.hooksDirectory(),
            hooks: try installer.states(), location: location, databaseExists: exists,
            eventCount: summary?.eventCount ?? (exists ? nil : 0), lastEvent: summary?.lastEvent,
            databaseProblem: problem, spoolWaiting: SpoolDirectory(path: location.spoolDirectory).waitingFiles.count,
            drainWarnings: warnings)
    }
}
