import Foundation

/// Which events `log` (and later `report`) shows.
public struct EventFilter: Sendable, Equatable {
    /// Only this repository's events (its common git dir); nil for every repository in the database.
    public var repository: String?
    public var side: Side?
    /// A full ref name, or a short one as git accepts it (`main` matches `refs/heads/main`, `refs/tags/main`…).
    public var ref: String?
    public var kinds: Set<UpdateKind> = []
    /// Only rewrites (`log --forced`, a report's rewrites): forced updates and deletions of history refs
    /// (RefRole) that happened (AuditEvent.isRewrite), not Refuge's own recoveries. With `statuses`, those
    /// statuses instead of the ones that happened (`--forced --status attempted`: forced pushes never confirmed).
    public var rewrites = false
    /// Only these statuses; empty for every status.
    public var statuses: Set<EventStatus> = []
    public var since: Date?
    public var until: Date?
    public var pusher: String?
    /// At most this many events: the most recent ones, still listed oldest first.
    public var limit: Int?

    public init(repository: String? = nil) {
        self.repository = repository
    }

    /// The kinds that can drop commits, as the partial index `event_rewrite_on_time` names them. SQLite uses
    /// a partial index only for a query that repeats its condition as written, literals and order included
    /// (a bound parameter would not do): queries for rewrites use this very text.
    static let rewriteKinds: Set<UpdateKind> = [.delete, .forced]
    static let rewriteKindsSQL = "('delete', 'forced')"

    /// The statuses of events that happened (AuditEvent.happened), as SQL.
    static let happenedSQL = "status IN ('done', 'accepted', 'confirmed')"

    /// What makes a row of `kind IN rewriteKindsSQL` a rewrite (AuditEvent.isRewrite), statuses aside.
    static let rewriteRoleSQL = "hook != 'recover' AND NOT \(RefRole.bookkeepingSQL("ref"))"

    /// The names a short ref could stand for, in git's order of precedence (gitrevisions(7)).
    public static func candidateNames(for ref: String) -> [String] {
        if ref == "HEAD" || ref.hasPrefix("refs/") { return [ref] }
        return [ref, "refs/\(ref)", "refs/tags/\(ref)", "refs/heads/\(ref)", "refs/remotes/\(ref)",
                "refs/remotes/\(ref)/HEAD"]
    }
}
