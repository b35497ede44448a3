import Foundation
import GRDB
import GitKit

/// Imports what a repository's reflogs already know into the audit log, so that a team adopting Refuge
/// gets its past: one event per reflog entry (hook `backfill`), classified and counted like live events.
/// Idempotent: an entry already in the log (imported before, or recorded live within two seconds of the
/// entry's time) is not imported again.
public struct Backfill {
    let repository: Repository
    let store: AuditStore

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
    }

    public struct Outcome: Sendable {
        public var refs = 0
        public var entries = 0
        public var imported = 0
        /// Entries the log already had (a second run, or updates Refuge recorded live).
        public var alreadyRecorded = 0
        /// HEAD entries that repeat a branch's own entry (a commit on a checked-out branch writes both).
        public var headDuplicates = 0
        /// HEAD entries of branch switches (`checkout: moving from a to b`), which move no ref.
        public var branchSwitches = 0
        /// Entries whose old and new values are the same (`reset --hard HEAD`, which `git stash` writes).
        public var unchanged = 0
    }

    static let symbolicMoves = ["checkout: moving from ", "rebase (finish): returning to ", "rebase -i (finish): returning to "]

    /// Rows written per transaction: large histories import in steps that other writers can interleave with.
    static let batchSize = 2_000

    /// - Parameter dryRun: count what would be imported (`imported`), classify nothing, write nothing: what
    ///   `install` uses to tell a gap in the log (updates made while Refuge was not installed).
    public func run(dryRun: Bool = false, progress: ((String) -> Void)? = nil) throws -> Outcome {
        var outcome = Outcome()
        let identity = repository.auditIdentity
        let names = repository.reflogReferenceNames().filter { !RefugeRefs.isRefugeOwned($0) }
        var logs: [(String, [ReflogEntry])] = []
        for name in names {
            logs.append((name, ((try? repository.reflog(of: name)) ?? []).reversed()))  // oldest first
        }
        // A HEAD entry that says what a branch entry says (same ids, same second) is the same update.
        var branchEntries: Set<String> = []
        for (name, entries) in logs where name != "HEAD" {
            for entry in entries { branchEntries.insert(Self.key(entry.old, entry.new, entry.time)) }
        }
        let total = logs.reduce(0) { $0 + $1.1.count }
        let confirmedPushes = try confirmedPushesByTrackingRef()
        let classifier = UpdateClassifier(repository: repository)
        var pending: [AuditEvent] = []
        // HEAD's entries stand for the branch it was on: recorded live as that branch's update, which a
        // deleted branch's reflog no longer shows. Any ref's recorded move is HEAD's too.
        let anyRef = try store.recordedValues(of: nil, repository: identity)
        for (name, entries) in logs {
            outcome.refs += 1
            let known = name == "HEAD" ? anyRef : try store.recordedValues(of: name, repository: identity)
            // A push Refuge saw is one client row, confirmed by the remote-tracking update: not a local row. It
            // is matched by the value pushed: its old value is what the server had, which the tracking ref
            // may never have held (a force push over commits this clone never fetched).
            let pushed = confirmedPushes[name] ?? [:]
            let batch = UUID().uuidString
            for entry in entries {
                outcome.entries += 1
                if outcome.entries % 1_000 == 0 { progress?("\(outcome.entries)/\(total) reflog entries") }
                // `reset --hard HEAD` (git stash writes it) moves nothing; live recording drops it too.
                guard entry.old != entry.new, let update = RefUpdate(ref: name, old: entry.old, new: entry.new) else {
                    outcome.unchanged += 1
                    continue
                }
                if name == "HEAD", branchEntries.contains(Self.key(entry.old, entry.new, entry.time)) {
                    outcome.headDuplicates += 1
                    continue
                }
                // Switching branches points HEAD at another branch; no ref's value changes (git runs no
                // reference-transaction for it, so live recording has no such event either).
                if name == "HEAD", Self.symbolicMoves.contains(where: entry.message.hasPrefix) {
                    outcome.branchSwitches += 1
                    continue
                }
                let near = { (times: [Date]?) in times?.contains { abs($0.timeIntervalSince(entry.time)) < 2 } == true }
                if near(known[Self.pair(entry.old, entry.new)]) || entry.message == "update by push" && near(pushed[entry.new?.hex ?? "-"]) {
                    outcome.alreadyRecorded += 1
                    continue
                }
                if dryRun {
                    outcome.imported += 1
                    continue
                }
                let classification = try classifier.classify(update)
                // The committer's name, as live rows name the local pusher (user.name).
                let who = entry.committerName
                pending.append(AuditEvent(
                    time: entry.time, side: .local, source: .backfill, repository: identity, update: update,
                    kind: classification.kind, dropped: classification.dropped, status: .done, batch: batch,
                    pusher: who.isEmpty ? nil : who, reason: entry.message.isEmpty ? nil : "reflog: \(entry.message)"))
                if pending.count >= Self.batchSize {
                    outcome.imported += try store.append(pending).count
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        if !dryRun { outcome.imported += try store.append(pending).count }
        progress?("\(outcome.entries)/\(total) reflog entries")
        return outcome
    }

    /// How many reflog entries the log does not have, where it already records this repository: updates
    /// made while Refuge was not installed (install says so, and offers backfill). Nil when the log has
    /// nothing of this repository: a first install's past is not a gap.
    public static func gap(in repository: Repository, location: AuditLocation) throws -> Int? {
        guard FileManager.default.fileExists(atPath: location.databasePath) else { return nil }
        let store = try AuditStore(location: location, readOnly: true)
        guard try store.summary(repository: repository.auditIdentity).eventCount > 0 else { return nil }
        return try Backfill(repository: repository, store: store).run(dryRun: true).imported
    }

    /// The values confirmed client pushes pushed, with their times, under the remote-tracking ref that
    /// confirmed each.
    private func confirmedPushesByTrackingRef() throws -> [String: [String: [Date]]] {
        var result: [String: [String: [Date]]] = [:]
        var tracking: [String: String?] = [:]
        for event in try store.confirmedPushes(repository: repository.auditIdentity) {
            guard let remote = event.remote else { continue }
            let key = "\(remote) \(event.ref)"
            if tracking[key] == nil {
                tracking[key] = .some(try repository.trackingReference(remote: remote, remoteReference: event.ref))
            }
            guard let name = tracking[key] ?? nil else { continue }
            result[name, default: [:]][event.new?.hex ?? "-", default: []].append(event.time)
        }
        return result
    }

    private static func pair(_ old: ObjectID?, _ new: ObjectID?) -> String {
        "\(old?.hex ?? "-") \(new?.hex ?? "-")"
    }

    private static func key(_ old: ObjectID?, _ new: ObjectID?, _ time: Date) -> String {
        "\(pair(old, new)) \(Int(time.timeIntervalSince1970))"
    }
}
