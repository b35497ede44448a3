import GitKit

/// One event and the commits it dropped, read from the repository now.
public struct EventDetail: Sendable {
    public let event: AuditEvent
    /// Newest first, each with where it is now; nil when the repository lacks the old commits (a client
    /// that never fetched them).
    public let droppedCommits: [DroppedCommit]?

    public init(event: AuditEvent, droppedCommits: [DroppedCommit]?) {
        (self.event, self.droppedCommits) = (event, droppedCommits)
    }

    public static func load(_ event: AuditEvent, repository: Repository, store: AuditStore) throws -> EventDetail {
        guard let update = event.update else { return EventDetail(event: event, droppedCommits: []) }
        let undoneBy = try event.id.map { try store.recoveries(undoing: $0) }?.filter { $0.status == .done } ?? []
        let commits = try UpdateClassifier(repository: repository).explainDropped(
            update, kind: event.kind, droppedAt: event.time, undoneBy: undoneBy, recoveries: try store.recoveries(in: event.repository))
        return EventDetail(event: event, droppedCommits: commits)
    }
}
