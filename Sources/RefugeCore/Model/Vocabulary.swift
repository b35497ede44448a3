/// Where a ref update was seen.
public enum Side: String, Codable, Sendable, CaseIterable {
    /// A clone's `pre-push`: what it is about to push.
    case client
    /// A server's `post-receive`: what it accepted.
    case server
    /// A `reference-transaction` on any repository: commits, resets, fetches, deletions…
    case local
}

/// What an update did to its ref, decided by ancestry (never by what git printed).
public enum UpdateKind: String, Codable, Sendable, CaseIterable {
    case create
    case fastForward = "fast-forward"
    /// The old value is not an ancestor of the new one (or is unknown to this repository).
    case forced
    case delete

    /// Updates that can drop commits.
    public var canDropCommits: Bool { self == .forced || self == .delete }
}

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

/// What recorded an event: one of the git hooks Refuge installs, or a Refuge command that moved a ref
/// itself (libgit2 runs no hooks, so those commands record their own updates).
public enum HookName: String, Codable, Sendable, CaseIterable {
    case prePush = "pre-push"
    case postReceive = "post-receive"
    case referenceTransaction = "reference-transaction"
    case preReceive = "pre-receive"
    /// Records HEAD's return from a detached HEAD to a branch (no transaction runs) and keeps what it left.
    case postCheckout = "post-checkout"
    /// `git refuge recover`.
    case recover
    /// `git refuge backfill`: imported from a reflog entry written before Refuge recorded the repository.
    case backfill

    /// The hooks `install` can put in a hooks directory.
    public static let installable: [HookName] = [.prePush, .postReceive, .referenceTransaction, .preReceive, .postCheckout]

    /// Hooks that belong in a clone and on a server.
    public static let client: [HookName] = [.prePush, .referenceTransaction, .postCheckout]
    public static let server: [HookName] = [.postReceive, .referenceTransaction]
}
