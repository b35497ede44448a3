/// Where a ref update was seen.
public enum Side: String, Codable, Sendable, CaseIterable {
    /// A clone's `pre-push`: what it is about to push.
    case client
    /// A server's `post-receive`: what it accepted.
    case server
    /// A `reference-transaction` on any repository: commits, resets, fetches, deletions…
    case local
}
