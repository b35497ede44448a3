/// A git hook Refuge installs: the shims in Hooks/ (Docs/Hooks.md says what each records).
public enum GitHook: String, Codable, Sendable, CaseIterable {
    case prePush = "pre-push"
    case postReceive = "post-receive"
    case referenceTransaction = "reference-transaction"
    case preReceive = "pre-receive"
    /// Records HEAD's return from a detached HEAD to a branch (no transaction runs) and keeps what it left.
    case postCheckout = "post-checkout"
    /// Warns before a rebase drops commits of yours that upstream lost to a force push (records nothing).
    case preRebase = "pre-rebase"

    /// The hooks that belong in a clone.
    public static let client: [GitHook] = [.prePush, .referenceTransaction, .postCheckout, .preRebase]
    /// The hooks that belong on a server (pre-receive joins them when `refuge.protect` is set).
    public static let server: [GitHook] = [.postReceive, .referenceTransaction]
}

/// What recorded an event (the log's `hook` column, the JSON's `hook` key): one of the git hooks Refuge
/// installs, or a Refuge command that moved a ref itself (libgit2 runs no hooks, so those commands record
/// their own updates).
public enum EventSource: Hashable, Sendable, Codable, CaseIterable, RawRepresentable {
    case hook(GitHook)
    /// `git refuge recover`.
    case recover
    /// `git refuge backfill`: imported from a reflog entry written before Refuge recorded the repository.
    case backfill

    public static let allCases: [EventSource] = GitHook.allCases.map(EventSource.hook) + [.recover, .backfill]

    /// The name stored and printed: the hook's name, or the command's.
    public var rawValue: String {
        switch self {
        case .hook(let hook): return hook.rawValue
        case .recover: return "recover"
        case .backfill: return "backfill"
        }
    }

    public init?(rawValue: String) {
        switch rawValue {
        case "recover": self = .recover
        case "backfill": self = .backfill
        default:
            guard let hook = GitHook(rawValue: rawValue) else { return nil }
            self = .hook(hook)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let source = EventSource(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown event source \(text)"))
        }
        self = source
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
