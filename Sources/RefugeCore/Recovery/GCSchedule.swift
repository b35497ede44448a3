import Foundation
import GitKit

/// When `git gc` would take an unreachable commit, from the repository's gc settings:
/// `gc.reflogExpireUnreachable` (default 30 days) for reflog entries that only unreachable commits
/// keep, then `gc.pruneExpire` (default 2 weeks) for unreachable objects by their file's time.
/// Per-ref `gc.<pattern>.reflogExpireUnreachable` settings are not read (the global one applies).
struct GCSchedule {
    /// nil: never expires (`never`/`false`).
    let reflogExpireUnreachable: TimeInterval?
    let pruneExpire: TimeInterval?

    init(reflogExpireUnreachable: TimeInterval?, pruneExpire: TimeInterval?) {
        self.reflogExpireUnreachable = reflogExpireUnreachable
        self.pruneExpire = pruneExpire
    }

    init(repository: Repository, now: Date = Date()) {
        reflogExpireUnreachable = Self.interval(
            (try? repository.configString("gc.reflogExpireUnreachable")) ?? nil, default: 30 * 86_400, now: now)
        pruneExpire = Self.interval((try? repository.configString("gc.pruneExpire")) ?? nil, default: 14 * 86_400, now: now)
    }

    /// When a commit would be gone: after its last reflog mention expires (if any) and once its object
    /// file is older than the prune window. nil when a setting says never.
    func expiry(lastReflogMention: Date?, stored: Date?) -> Date? {
        var candidates: [Date] = []
        if let mention = lastReflogMention {
            guard let reflogExpireUnreachable else { return nil }
            candidates.append(mention.addingTimeInterval(reflogExpireUnreachable))
        }
        if let stored {
            guard let pruneExpire else { return nil }
            candidates.append(stored.addingTimeInterval(pruneExpire))
        }
        return candidates.max()
    }

    /// An expiry setting as a duration: `30.days.ago`, `2.weeks`, `now`/`all` (0), `never`/`false` (nil),
    /// or an absolute date (the time from it to now).
    static func interval(_ value: String?, default fallback: TimeInterval, now: Date) -> TimeInterval? {
        guard let raw = value?.trimmingCharacters(in: .whitespaces).lowercased(), !raw.isEmpty else { return fallback }
        if raw == "never" || raw == "false" { return nil }
        guard let date = try? DateExpression.parseAge(raw, now: now) else { return fallback }
        return now.timeIntervalSince(date)
    }
}
