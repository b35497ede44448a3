import Foundation
import GitKit

/// A repository and its audit log, opened for a command, with the spool drained first so that
/// what hooks recorded a moment ago is there to read.
public final class AuditSession {
    /// What a command does with the log, which decides what happens where nothing was ever recorded.
    public enum Access: Sendable {
        /// It records (recover, prune, backfill…): the log is created if it does not exist.
        case recording
        /// It reads the log (log, show, report): where Refuge is not installed and nothing was ever
        /// recorded it refuses (`NothingRecorded`); where it is installed, it reads an empty log. It
        /// creates nothing inside `.git` until there is something to record.
        case reading
        /// It reads git as well as the log (lost, check): where nothing was recorded it runs on an empty
        /// log, creating nothing; `nothingRecorded` says so.
        case searching
    }

    public let repository: Repository
    public let store: AuditStore
    public let drainReport: SpoolDrain.Report
    /// No log and nothing spooled, and Refuge not installed: the session reads an empty log.
    public let nothingRecorded: Bool

    public init(repository: Repository, environment: [String: String], access: Access = .recording) throws {
        self.repository = repository
        let location = try AuditLocation.resolve(for: repository, environment: environment)
        let spool = SpoolDirectory(path: location.spoolDirectory)
        // A log this account may not even look for (a shared log's directory, another group's): say so,
        // rather than read an empty log.
        var info = stat()
        if stat(location.databasePath, &info) != 0, errno == EACCES {
            throw AuditStoreError.cannotOpen(path: location.databasePath, reason: String(cString: strerror(EACCES)))
        }
        let recorded = FileManager.default.fileExists(atPath: location.databasePath) || !spool.waitingFiles.isEmpty
        if access != .recording, !recorded {
            let installed = try HookInstaller(repository: repository).states().contains { $0.installed }
            if !installed, access == .reading { throw NothingRecorded(repository: repository.auditIdentity) }
            store = try AuditStore.empty(location: location)
            drainReport = SpoolDrain.Report()
            nothingRecorded = !installed
            return
        }
        do {
            store = try AuditStore(location: location)
        } catch {
            LogHealth.markUnwritable(spoolDirectory: location.spoolDirectory, reason: "\(error)")
            throw error
        }
        drainReport = SpoolDrain(repository: repository, store: store).drain()
        nothingRecorded = false
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

/// A reading command in a repository where Refuge is not installed and nothing was ever recorded.
public struct NothingRecorded: Error, CustomStringConvertible {
    public let repository: String
    public var description: String {
        "nothing is recorded in \(repository): Refuge is not installed here; git refuge install starts recording "
            + "(then git refuge backfill imports the reflogs' past)"
    }
}
