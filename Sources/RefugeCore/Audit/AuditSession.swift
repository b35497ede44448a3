import Foundation
import GitKit

/// A repository and its audit log, opened for a command, with the spool drained first so that
/// what hooks recorded a moment ago is there to read.
public final class AuditSession {
    public let repository: Repository
    public let store: AuditStore
    public let drainReport: SpoolDrain.Report

    public init(path: String?, environment: [String: String]) throws {
        repository = try Repository.forCommand(path: path)
        let location = try AuditLocation.resolve(for: repository, environment: environment)
        do {
            store = try AuditStore(location: location)
        } catch {
            LogHealth.markUnwritable(spoolDirectory: location.spoolDirectory, reason: "\(error)")
            throw error
        }
        drainReport = SpoolDrain(repository: repository, store: store).drain()
    }

    /// The event and its dropped commits, read from the event's own repository (a shared database may
    /// hold several); nil if there is no such event.
    public func detail(of id: Int64) throws -> EventDetail? {
        guard let event = try store.event(id: id) else { return nil }
        let mine = try store.paths(sharingIdentityWith: repository.auditIdentity).contains(event.repository)
        let source = mine ? repository : try? Repository.open(at: event.repository)
        guard let source else { return EventDetail(event: event, droppedCommits: nil) }
        return try EventDetail.load(event, repository: source, store: store)
    }
}

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
        if FileManager.default.fileExists(atPath: location.databasePath) || !SpoolDrain.waitingFiles(in: location.spoolDirectory).isEmpty {
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
            databaseProblem: problem, spoolWaiting: SpoolDrain.waitingFiles(in: location.spoolDirectory).count,
            drainWarnings: warnings)
    }
}

extension Repository {
    /// The repository a command works on: the one containing `-C PATH`, else the one git's environment
    /// and the current directory name (as git itself finds it).
    public static func forCommand(path: String?) throws -> Repository {
        try path.map { try Repository.discover(from: $0) } ?? Repository.discover(fromEnvironment: true)
    }
}
