import Foundation
import GitKit

/// Pins keep dropped work alive: a hidden ref `refs/refuge/kept/<oid>` per kept object, so that neither
/// reflog expiry nor `git gc --prune=now` can take it. Servers hide the namespace from clients
/// (`transfer.hideRefs`, set by install). The hook shims make a pin right after a server accepts a forced
/// update or a deletion happens, before any drain; the drain makes the others and records every pin.
public struct Pins {
    /// The pin ref for `target`: one per object, so pinning the same value twice is harmless.
    public static func name(for target: ObjectID) -> String { RefugeRefs.pin(for: target) }

    let repository: Repository
    let store: AuditStore

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
    }

    /// Keeps `target` reachable and records why. Nil when this repository does not have the object
    /// (a client that never fetched what its push overwrote): there is nothing here to keep.
    @discardableResult
    public func keep(_ target: ObjectID, sourceRef: String?, eventID: Int64?, reason: String, at time: Date = Date())
        throws -> PinRecord?
    {
        guard try makeRef(for: target, reason: reason) else { return nil }
        let name = Self.name(for: target)
        return try store.recordPin(PinRecord(
            repository: repository.auditIdentity, name: name, target: target, sourceRef: sourceRef, eventID: eventID,
            reason: reason, createdAt: time))
    }

    /// The pin ref alone (its record comes with `keep`). False when the object is not here.
    @discardableResult
    func makeRef(for target: ObjectID, reason: String) throws -> Bool {
        guard repository.contains(target) else { return false }
        let name = Self.name(for: target)
        if try repository.resolveReference(name) != target {
            do {
                try repository.writeReference(name, to: target, expecting: .absent, message: "refuge: kept (\(reason))")
            } catch {
                // A hook or another drain may have made the same pin a moment ago.
                guard try repository.resolveReference(name) == target else { throw error }
            }
        }
        return true
    }

    /// Makes the pin refs for `events` before they are recorded: a drain killed after its commit would
    /// otherwise leave them unpinned (the receipt stops the next drain from looking at them again).
    func makeRefs(forDroppedBy events: [AuditEvent], leftBehind: Set<ObjectID>, warnings: inout [String]) {
        for event in events {
            guard let old = event.old, let reason = Self.reason(forKeeping: event, leftBehind: leftBehind) else { continue }
            do {
                try makeRef(for: old, reason: reason)
            } catch {
                warnings.append("cannot pin \(old.short), the old value of \(event.ref): \(error)")
            }
        }
    }

    /// Why the drain pins `event`'s old value, or nil when it does not: an update that can drop commits, of
    /// history a person owns (RefRole: git's bookkeeping is not pinned), not refused (a refusal dropped
    /// nothing). A client's push is pinned before git confirms it: the overwritten tip may be gone from the
    /// server a moment later. Two kinds of bookkeeping are lost work, and kept: the stash deleted by
    /// `git stash drop` or `clear` (not by `pop`, which applied it), and commits a detached HEAD left that
    /// no ref reaches (`leftBehind`, from `leftOnDetachedHead`).
    static func reason(forKeeping event: AuditEvent, leftBehind: Set<ObjectID> = []) -> String? {
        guard event.kind.canDropCommits, event.status != .rejected, let old = event.old else { return nil }
        switch event.role {
        case .bookkeeping(.stash):
            return event.kind == .delete && event.reason != AuditEvent.stashApplied ? event.kind.rawValue : nil
        case .bookkeeping(.detachedHead):
            return leftBehind.contains(old) ? leftOnDetachedHeadReason : nil
        case .bookkeeping:
            return nil
        case .history:
            return event.kind.rawValue
        }
    }

    /// The pin reason for work a detached HEAD left (the post-checkout shim writes the same words).
    public static let leftOnDetachedHeadReason = "left on a detached HEAD"

    /// The old values of `events`' detached HEAD moves that left commits no ref reaches now: a checkout
    /// or reset away from commits made on a detached HEAD. One walk per such move, hiding every ref; a
    /// move onto a descendant (each commit made there) is a fast-forward and costs nothing.
    func leftOnDetachedHead(by events: [AuditEvent], warnings: inout [String]) -> Set<ObjectID> {
        let moves = events.filter { $0.role == .bookkeeping(.detachedHead) && $0.kind.canDropCommits && ($0.dropped ?? 0) > 0 }
        guard !moves.isEmpty else { return [] }
        var left: Set<ObjectID> = []
        do {
            let tips = try UpdateClassifier(repository: repository).remainingTips(excluding: nil)
            for move in moves {
                guard let old = move.old, !left.contains(old), let commit = try repository.peelToCommit(old) else { continue }
                if try repository.countCommits(reachableFrom: [commit], excluding: tips) > 0 { left.insert(old) }
            }
        } catch {
            warnings.append("cannot tell what a detached HEAD left behind: \(error)")
        }
        return left
    }

    /// Pins the old value of every recorded update `reason(forKeeping:)` selects.
    func keepDropped(by events: [AuditEvent], leftBehind: Set<ObjectID>, warnings: inout [String]) {
        for event in events {
            guard let old = event.old, let reason = Self.reason(forKeeping: event, leftBehind: leftBehind) else { continue }
            do {
                try keep(old, sourceRef: event.ref, eventID: event.id, reason: reason, at: event.time)
            } catch {
                warnings.append("cannot pin \(old.short), the old value of \(event.ref): \(error)")
            }
        }
    }

    /// A pin ref as it stands, with its record.
    public struct Pin: Sendable {
        public let name: String
        public let target: ObjectID
        public let record: PinRecord
    }

    /// Every pin ref, each with its record; a pin ref without one (made by a hook, or by hand) is recorded
    /// now, dated by its reflog's first entry when there is one. Records whose ref is gone are closed.
    public func all() throws -> [Pin] {
        let refs = try repository.references(under: RefugeRefs.kept)
        var records = Dictionary(try store.livePins(repository: repository.auditIdentity).map { ($0.name, $0) }) { a, _ in a }
        var pins: [Pin] = []
        for ref in refs {
            var record = records.removeValue(forKey: ref.name)
            if record == nil || record?.target != ref.target {
                if let stale = record?.id { try store.markPinRemoved(id: stale, by: "replaced") }
                let created = (try? repository.reflog(of: ref.name).last?.time) ?? Date()
                record = try store.recordPin(PinRecord(
                    repository: repository.auditIdentity, name: ref.name, target: ref.target, sourceRef: nil,
                    eventID: nil, reason: "found", createdAt: created))
            }
            pins.append(Pin(name: ref.name, target: ref.target, record: record!))
        }
        for orphan in records.values {
            if let id = orphan.id { try store.markPinRemoved(id: id, by: "missing") }
        }
        return pins
    }

    /// Removes the pins made before `cutoff` (compare-and-swap on each ref) and records it.
    /// - Returns: the pins removed (or, with `dryRun`, those that would be).
    public func prune(madeBefore cutoff: Date, dryRun: Bool) throws -> [Pin] {
        var removed: [Pin] = []
        for pin in try all() where pin.record.createdAt < cutoff {
            if !dryRun {
                guard try repository.deleteReference(pin.name, expecting: pin.target) else { continue }
                if let id = pin.record.id { try store.markPinRemoved(id: id, by: "prune") }
            }
            removed.append(pin)
        }
        return removed
    }
}
