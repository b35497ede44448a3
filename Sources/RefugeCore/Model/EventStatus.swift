/// How far an update is known to have happened.
public enum EventStatus: String, Codable, Sendable, CaseIterable {
    /// A client was about to push it (pre-push); the push may still fail or be a dry run.
    case attempted
    /// The client saw git update the matching remote-tracking ref after the push.
    case confirmed
    /// The server accepted it (post-receive).
    case accepted
    /// A local update that git committed.
    case done
    /// A server's policy refused it (pre-receive); `reason` says why.
    case rejected
}
