/// Whether a ref is history a person owns, or git's bookkeeping: the one rule Refuge applies everywhere
/// (the log, `check`, reports, pins and `lost`). Every update is still recorded; a bookkeeping update is
/// never counted as a forced update or a deletion, and is not pinned, with one exception: the stash deleted
/// by `git stash drop` or `clear` is lost work, and pinned (Pins.reason(forKeeping:)).
///
/// - History: branches, tags, remote-tracking refs, notes and any other ref under `refs/`.
/// - Bookkeeping:
///   - `HEAD` moving by itself (detached): the steps of a rebase, cherry-pick, bisect or `rebase --abort`.
///     An update through a symbolic HEAD is recorded on the branch; only a detached HEAD's own moves
///     reach the log as `HEAD`.
///   - `refs/stash`: its reflog is the stash list; `git stash` moves the ref over the previous entry
///     (which stays in the list) and `git stash pop` deletes it once the last entry is applied.
///   - `refs/bisect/*` (bisect's marks), `refs/rewritten/*` (`rebase --rebase-merges` labels) and
///     Refuge's own `refs/refuge/*`.
///
/// Work that only bookkeeping held is still found by `lost` when it is really lost (commits made on a
/// detached HEAD and left; a stash entry dropped or cleared), named for what it was.
public enum RefRole: Equatable, Sendable {
    case history
    case bookkeeping(Bookkeeping)

    public enum Bookkeeping: String, Sendable {
        case detachedHead = "detached HEAD"
        case stash
        case bisect
        case rebaseLabels = "rebase labels"
        case refuge
    }

    public init(ref: String) {
        if ref == "HEAD" {
            self = .bookkeeping(.detachedHead)
        } else if ref == "refs/stash" {
            self = .bookkeeping(.stash)
        } else if ref.hasPrefix("refs/bisect/") {
            self = .bookkeeping(.bisect)
        } else if ref.hasPrefix("refs/rewritten/") {
            self = .bookkeeping(.rebaseLabels)
        } else if RefugeRefs.isRefugeOwned(ref) {
            self = .bookkeeping(.refuge)
        } else {
            self = .history
        }
    }

    public var isBookkeeping: Bool { self != .history }

    /// The same rule in SQL, over a column holding the ref (the daily counts' trigger and the queries for
    /// rewrites use it): 1 for bookkeeping, 0 for history. Kept next to `init(ref:)`; a unit test checks
    /// that the two agree.
    static func bookkeepingSQL(_ column: String) -> String {
        "(\(column) = 'HEAD' OR \(column) = 'refs/stash' OR substr(\(column), 1, 12) = 'refs/bisect/' "
            + "OR substr(\(column), 1, 15) = 'refs/rewritten/' OR substr(\(column), 1, 12) = 'refs/refuge/')"
    }

    /// The refs of the rule as a POSIX sh `case` pattern, as the shims spell it (they pin deletions and
    /// forced updates of history refs without starting a program; a unit test checks them). The
    /// reference-transaction shim tells `refs/stash` apart first (drop and clear are pinned, pop is not).
    static let shellPattern = "HEAD|refs/stash|refs/bisect/*|refs/rewritten/*|refs/refuge/*"
}

extension AuditEvent {
    public var role: RefRole { RefRole(ref: ref) }

    /// Whether this event moved a ref: a local update git made, an update a server accepted, a push the
    /// client saw confirmed, a recovery done. Not a refusal, an unconfirmed push attempt (git may have
    /// refused it, or it was a dry run) or a recovery's intent.
    public var happened: Bool {
        switch status {
        case .done, .accepted, .confirmed: true
        case .attempted, .rejected: false
        }
    }

    /// A rewrite of history a person owns that really happened: what `log --forced`, reports and pins
    /// count as a forced update or a deletion. Refuge's own recoveries are listed as recoveries.
    public var isRewrite: Bool {
        kind.canDropCommits && happened && !role.isBookkeeping && source != .recover
    }
}

extension AuditEvent {
    /// The `reason` of a deletion of `refs/stash` by `git stash pop`: the entry was applied, not dropped.
    public static let stashApplied = "applied by git stash pop"
}
