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
