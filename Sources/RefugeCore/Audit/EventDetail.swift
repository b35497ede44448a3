import GitKit

/// One event and the commits it dropped, read from the repository now.
public struct EventDetail: Sendable {
    public let event: AuditEvent
    /// Newest first, each with where it is now; nil when the repository lacks the old commits (a client
    /// that never fetched them).
    public let droppedCommits: [DroppedCommit]?

    public static func load(_ event: AuditEvent, repository: Repository) throws -> EventDetail {
        guard let update = event.update else { return EventDetail(event: event, droppedCommits: []) }
        let commits = try UpdateClassifier(repository: repository).explainDropped(update, kind: event.kind)
        return EventDetail(event: event, droppedCommits: commits)
    }
}
