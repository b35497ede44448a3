import Foundation
import GitKit

/// What `git refuge status` reports: the hooks, the log, the spool, the configuration in effect, and
/// whether all is well by doctor's rule (its quick checks: `Doctor.Depth.quick`).
public struct RefugeStatus: Sendable {
    public let repository: String
    public let hooksDirectory: String
    public let hooks: [HookInstaller.HookState]
    /// Where the hooks go, and why (HookLayout).
    public let layout: ResolvedHookLayout?
    public let configuration: RefugeConfiguration
    public var location: AuditLocation { configuration.location }
    public let databaseExists: Bool
    public let eventCount: Int?
    public let lastEvent: AuditEvent?
    public let databaseProblem: String?
    public let spoolWaiting: Int
    /// What the drain could not record, line by line (malformed hook input, say).
    public let drainWarnings: [String]
    /// Healthy by doctor's rule; else the first problem, with its fix.
    public let healthy: Bool
    public let problem: String?

    /// Drains the spool first when it can; what it cannot write is reported as waiting.
    public static func gather(_ repository: Repository, environment: [String: String]) throws -> RefugeStatus {
        let installer = HookInstaller(repository: repository)
        let configuration = try RefugeConfiguration.read(for: repository, environment: environment)
        let location = configuration.location
        let spool = SpoolDirectory(path: location.spoolDirectory)
        var summary: AuditStore.Summary?
        var problem: String?
        var warnings: [String] = []
        if FileManager.default.fileExists(atPath: location.databasePath) || !spool.waitingFiles.isEmpty {
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
        let doctor = try Doctor.examine(repository, environment: environment, depth: .quick)
        return RefugeStatus(
            repository: repository.auditIdentity, hooksDirectory: try installer.hooksDirectory(),
            hooks: try installer.states(), layout: try? installer.installedLayout(), configuration: configuration, databaseExists: exists,
            eventCount: summary?.eventCount ?? (exists ? nil : 0), lastEvent: summary?.lastEvent,
            databaseProblem: problem, spoolWaiting: spool.waitingFiles.count,
            drainWarnings: warnings, healthy: doctor.healthy, problem: doctor.firstProblem)
    }
}
