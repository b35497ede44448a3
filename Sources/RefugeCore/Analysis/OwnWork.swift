import Foundation
import GitKit

/// Which commits are this clone's own: the ones it pushed (the audit log's pushes that happened) and the
/// ones its user wrote (`user.email`). Read once; asked about many commits.
struct OwnWork {
    let repository: Repository
    /// `user.email`, lowercased; nil when unset.
    let email: String?
    /// This clone's pushes that happened (confirmed by the remote-tracking update), with a new value here.
    let pushes: [AuditEvent]

    init(repository: Repository, store: AuditStore?) {
        self.repository = repository
        email = ((try? repository.configString("user.email")) ?? nil)?.lowercased()
        var filter = EventFilter(repository: repository.auditIdentity)
        filter.side = .client
        // A log this binary cannot read (opened read-only by a hook before any command migrated it) leaves
        // authorship to go by.
        pushes = ((try? store?.events(filter)) ?? nil)?.filter { $0.happened && $0.new.map(repository.contains) == true } ?? []
    }

    func wrote(_ commit: CommitSummary) -> Bool {
        email.map { commit.authorEmail.lowercased() == $0 } ?? false
    }

    /// When this clone first pushed each of `commits`: a push counts for the commits it brought to the
    /// remote (its new value's history beyond the remote's old value). A push whose tip `hidden` reaches
    /// (history not in question: the update's new value) brought none of them and is not walked; one whose
    /// tip is elsewhere may have (an earlier rewrite dropped its tip, this one the rest). The newest 2,000
    /// pushes are looked at.
    func pushTimes(of commits: Set<ObjectID>, hidden: [ObjectID]) throws -> [ObjectID: Date] {
        var times: [ObjectID: Date] = [:]
        var fetched: [(value: ObjectID, time: Date)]?
        for push in pushes.suffix(2_000) {
            guard let new = push.new, let tip = try repository.peelToCommit(new) else { continue }
            if !commits.contains(tip), try hidden.contains(where: { try repository.isAncestor(tip, of: $0) }) { continue }
            var before = try push.old.flatMap { repository.contains($0) ? try repository.peelToCommit($0) : nil }.map { [$0] } ?? []
            if push.old == nil {
                // A new branch brought only what the remote did not have yet: not what this clone had
                // fetched from it before the push (a branch made on someone else's commits and pushed).
                if fetched == nil { fetched = try fetchedValues() }
                before = fetched!.filter { $0.time <= push.time }.map(\.value)
            }
            for commit in try repository.commitSet(reachableFrom: [tip], excluding: hidden + before)
            where commits.contains(commit) {
                times[commit] = min(times[commit] ?? push.time, push.time)
            }
        }
        return times
    }

    /// The values fetches and clones brought into remote-tracking refs, with when (their reflogs).
    private func fetchedValues() throws -> [(value: ObjectID, time: Date)] {
        var values: [(value: ObjectID, time: Date)] = []
        for ref in repository.reflogReferenceNames() where ref.hasPrefix("refs/remotes/") {
            for entry in (try? repository.reflog(of: ref)) ?? []
            where entry.message.hasPrefix("fetch") || entry.message.hasPrefix("pull") || entry.message.hasPrefix("clone") {
                if let new = entry.new, let commit = try repository.peelToCommit(new) { values.append((commit, entry.time)) }
            }
        }
        return values
    }
}
