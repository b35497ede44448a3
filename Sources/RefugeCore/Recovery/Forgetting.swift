import Foundation
import GitKit

/// `git refuge forget COMMIT…`: removes the pins that keep commits someone wants gone for good (a secret
/// committed by mistake), so that git's own purge (`reflog expire`, `gc --prune=now`) can delete them.
/// Pins exist so that nothing is lost; this is the one deliberate way out, and it is recorded: each pin's
/// record says who removed it and when. The audit log keeps the object ids it recorded (never contents).
public struct Forgetting {
    public struct Outcome: Sendable {
        /// The pins removed (with `dryRun`, those that would be), each with the commits asked for it keeps.
        public var removed: [(pin: Pins.Pin, keeps: [ObjectID])] = []
        /// Commits that only the removed pins kept (the asked ones included): gc may now delete them.
        public var released: [CommitSummary] = []
        /// Asked-for commits a ref outside Refuge still reaches: refused (gc keeps them whatever pins do,
        /// and removing pins for them would only release other work).
        public var stillReachable: [ObjectID] = []
        /// Asked-for commits no pin keeps.
        public var unpinned: [ObjectID] = []
    }

    let repository: Repository
    let store: AuditStore

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
    }

    /// - Parameter actor: who asked, written into each pin's record (`forget by <actor>`).
    public func forget(_ commits: [ObjectID], actor: String, dryRun: Bool, at time: Date = Date()) throws -> Outcome {
        var outcome = Outcome()
        let pins = Pins(repository: repository, store: store)
        // What stays reachable whatever happens: every ref but the pins, and HEAD.
        let live = try UpdateClassifier(repository: repository).remainingTips(excluding: nil)
        for commit in commits where try live.contains(where: { try repository.isAncestor(commit, of: $0) }) {
            outcome.stillReachable.append(commit)
        }
        let asked = commits.filter { !outcome.stillReachable.contains($0) }
        var keeping: [String: (pin: Pins.Pin, keeps: [ObjectID])] = [:]
        var remaining: [ObjectID] = []
        for pin in try pins.all() {
            let tip = try repository.peelToCommit(pin.target)
            // A pin keeps a commit it points at, or any ancestor of the commit it points at.
            let kept = try asked.filter { commit in
                try commit == pin.target || tip.map { try repository.isAncestor(commit, of: $0) } ?? false
            }
            if kept.isEmpty {
                if let tip { remaining.append(tip) }
            } else {
                keeping[pin.name] = (pin, kept)
            }
        }
        outcome.removed = keeping.values.sorted { $0.pin.name < $1.pin.name }
        let pinned = Set(outcome.removed.flatMap(\.keeps))
        outcome.unpinned = asked.filter { !pinned.contains($0) }
        let releasedTips = try outcome.removed.compactMap { try repository.peelToCommit($0.pin.target) }
        outcome.released = try repository.commits(reachableFrom: releasedTips, excluding: live + remaining)
        guard !dryRun else { return outcome }

        // Compare-and-swap on each pin: one that moved meanwhile is left alone, and not reported.
        var done: [(pin: Pins.Pin, keeps: [ObjectID])] = []
        for entry in outcome.removed {
            guard try repository.deleteReference(entry.pin.name, expecting: entry.pin.target) else { continue }
            if let id = entry.pin.record.id { try store.markPinRemoved(id: id, by: "forget by \(actor)", at: time) }
            done.append(entry)
        }
        outcome.removed = done
        return outcome
    }
}
