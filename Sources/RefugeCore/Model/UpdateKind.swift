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
