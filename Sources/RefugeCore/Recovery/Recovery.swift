import Foundation
import GitKit

/// What a recovery does (or, dry, would do).
public struct RecoveryPlan: Sendable {
    public enum Mode: String, Sendable { case restore, replay }

    public let mode: Mode
    /// The ref REF resolved to (`refs/heads/main`).
    public let source: String
    /// The ref written: `source`, or `--as` NEWREF.
    public let destination: String
    /// The destination's value now (nil: it does not exist).
    public let from: ObjectID?
    /// Its value after the recovery.
    public let to: ObjectID
    /// The value brought back (for a replay, the old tip whose commits are re-applied).
    public let recovered: ObjectID
    /// The recorded update being undone, if the target came from the audit log.
    public let undoes: AuditEvent?
    /// Where the target came from, in words ("the forced update #12 by alice, 2026-11-22 04:10:00Z").
    public let basis: String
    /// Commits that are reachable again afterwards (for a replay, the new copies).
    public let comesBack: [CommitSummary]
    /// Commits that leave the destination (they stay reachable through the pin of its old value).
    public let leaves: [CommitSummary]
    public let replayed: [ReplayedCommit]
    /// Dropped commits not replayed: merges, and patches the branch already has.
    public let skipped: [CommitSummary]
    public let updatesWorkingTree: Bool
}

public struct RecoveryOutcome: Sendable {
    public let plan: RecoveryPlan?
    /// The destination already held the value: nothing to do.
    public let alreadyThere: Bool
    public let applied: Bool
    public let eventID: Int64?
    /// The pin that keeps the destination's previous value.
    public let pin: String?
    public let destination: String
}

/// Restores an overwritten or deleted ref: compare-and-swap on the value the bad update left, the current
/// value pinned and the recovery recorded before anything moves.
public struct Recovery {
    let repository: Repository
    let store: AuditStore

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
    }

    public func run(_ request: RecoveryRequest) throws -> RecoveryOutcome {
        let source = try resolveRef(request.ref, creatingWith: request.target)
        let choice = try chooseTarget(for: source, request.target)
        guard repository.contains(choice.target), let targetCommit = try repository.peelToCommit(choice.target) else {
            throw RecoveryRefusal.targetMissing(choice.target, basis: choice.basis)
        }
        let destination = try request.newRef.map(newRefName) ?? source
        let current = try value(of: destination)
        if request.newRef != nil, current != nil { throw RecoveryRefusal.newRefExists(destination) }
        let sourceValue = try value(of: source)

        var mode = RecoveryPlan.Mode.restore
        var newValue = choice.target
        var replayed: [ReplayedCommit] = []
        var skipped: [CommitSummary] = []
        if request.replay {
            guard let sourceValue, let base = try repository.peelToCommit(sourceValue) else {
                throw RecoveryRefusal.nothingToReplayOnto(ref: source)
            }
            mode = .replay
            let picked = try replayPlan(of: targetCommit, onto: base)
            skipped = picked.skipped
            switch try repository.replay(picked.commits, onto: base) {
            case .conflict(let commit, let files):
                throw RecoveryRefusal.conflict(commit: try repository.commitSummary(commit), files: files, ref: source)
            case .applied(let tip, let copies):
                newValue = tip
                replayed = copies
            }
            if replayed.isEmpty && request.newRef == nil {
                return RecoveryOutcome(plan: nil, alreadyThere: true, applied: false, eventID: nil, pin: nil, destination: destination)
            }
        } else if current == newValue {
            return RecoveryOutcome(plan: nil, alreadyThere: true, applied: false, eventID: nil, pin: nil, destination: destination)
        } else if request.newRef == nil, !request.force, let expected = choice.expected, !expected.matches(current) {
            let newCommits = try current.flatMap { try repository.peelToCommit($0) }.map {
                try repository.commits(reachableFrom: [$0], excluding: expected.commitValue.flatMap { try repository.peelToCommit($0) }.map { [$0] } ?? [])
            } ?? []
            throw RecoveryRefusal.movedSince(
                ref: source, expected: expected.commitValue, current: current, newCommits: newCommits, basis: choice.basis)
        }

        let place = try repository.checkoutPlace(of: destination)
        if place == .elsewhere { throw RecoveryRefusal.checkedOutElsewhere(ref: destination) }
        let updatesWorkingTree = place == .here && current != nil
        if updatesWorkingTree {
            let dirty = try repository.uncommittedChanges()
            if !dirty.isEmpty { throw RecoveryRefusal.dirtyWorkingTree(ref: destination, files: dirty) }
        }

        let plan = RecoveryPlan(
            mode: mode, source: source, destination: destination, from: current, to: newValue, recovered: choice.target,
            undoes: choice.event, basis: choice.basis, comesBack: try comesBack(newValue, replacing: current, replayed: replayed),
            leaves: try leaves(current, replacedBy: newValue), replayed: replayed, skipped: skipped,
            updatesWorkingTree: updatesWorkingTree)
        if request.dryRun {
            return RecoveryOutcome(plan: plan, alreadyThere: false, applied: false, eventID: nil, pin: nil, destination: destination)
        }
        return try apply(plan)
    }

    // MARK: Applying

    private func apply(_ plan: RecoveryPlan) throws -> RecoveryOutcome {
        // 1. Keep what is there now: nothing a recovery replaces can be lost.
        var pin: String?
        if let from = plan.from {
            pin = try Pins(repository: repository, store: store)
                .keep(from, sourceRef: plan.destination, eventID: nil, reason: "recover")?.name
        }
        // 2. Record the recovery before the ref moves (`attempted`), and its outcome after (`done`, or
        //    `rejected` with the reason): two rows, because the log is append-only (hash chain).
        let update = RefUpdate(creatingOrMoving: plan.destination, from: plan.from, to: plan.to)
        let classification = try UpdateClassifier(repository: repository).classify(update)
        let reason = plan.mode == .replay
            ? "replayed \(plan.replayed.count) commit(s) of \(plan.recovered.short) from \(plan.basis)"
            : "restored \(plan.recovered.short) from \(plan.basis)"
        let batch = UUID().uuidString
        func record(_ status: EventStatus, _ reason: String) throws -> Int64? {
            try store.append([AuditEvent(
                time: Date(), side: .local, source: .recover, repository: repository.auditIdentity, update: update,
                kind: classification.kind, dropped: classification.dropped, status: status, batch: batch,
                pusher: Identity.localPusher(repository: repository, uid: getuid()), processID: Int64(getpid()),
                reason: reason, undoes: plan.undoes?.id)]).first?.id
        }
        _ = try record(.attempted, reason)
        // 3. The working tree first (it refuses to overwrite anything), then the ref, compare-and-swap.
        do {
            if plan.updatesWorkingTree, let from = plan.from,
               let baseline = try repository.peelToCommit(from), let target = try repository.peelToCommit(plan.to) {
                try repository.checkOut(target, from: baseline)
            }
            do {
                try repository.writeReference(
                    plan.destination, to: plan.to, expecting: plan.from.map { .value($0) } ?? .absent,
                    message: "refuge recover: \(reason)")
            } catch let error as GitError {
                if plan.updatesWorkingTree, let from = plan.from, let baseline = try repository.peelToCommit(from),
                   let target = try repository.peelToCommit(plan.to) {
                    try? repository.checkOut(baseline, from: target)  // put the files back as they were
                }
                // Only a lost compare-and-swap means someone moved it; a lock or permission failure is not that.
                throw error.isConcurrentUpdate
                    ? RecoveryRefusal.movedMeanwhile(ref: plan.destination, reason: error.message)
                    : RecoveryRefusal.cannotWrite(ref: plan.destination, reason: error.message)
            }
        } catch {
            _ = try? record(.rejected, "not applied: \(error)")
            throw error
        }
        let eventID = try record(.done, reason)
        return RecoveryOutcome(plan: plan, alreadyThere: false, applied: true, eventID: eventID, pin: pin, destination: plan.destination)
    }

    // MARK: Choosing what to restore

    struct Choice {
        let target: ObjectID
        /// What the ref must still hold for an in-place restore (nil: no bad update to compare with).
        let expected: ExpectedReferenceValue?
        let event: AuditEvent?
        let basis: String
    }

    private func chooseTarget(for ref: String, _ target: RecoveryRequest.Target?) throws -> Choice {
        switch target {
        case .event(let id):
            guard let event = try store.event(id: id),
                  try store.paths(sharingIdentityWith: repository.auditIdentity).contains(event.repository)
            else {
                throw RecoveryRefusal.unknownEvent(id)
            }
            if event.side == .client { throw RecoveryRefusal.eventOfAClientPush(event: id, remote: event.remote) }
            guard event.ref == ref else { throw RecoveryRefusal.eventOfAnotherRef(event: id, eventRef: event.ref, ref: ref) }
            guard let old = event.old else { throw RecoveryRefusal.eventCreatedRef(event: id, ref: ref) }
            return Choice(target: old, expected: event.new.map { .value($0) } ?? .absent, event: event, basis: Self.describe(event))
        case .revision(let text):
            guard let id = try repository.resolveRevision(text) else { throw RecoveryRefusal.unknownRevision(text) }
            return Choice(target: id, expected: nil, event: nil, basis: "--to \(text)")
        case nil:
            if let event = try store.lastDroppingUpdate(of: ref, repository: repository.auditIdentity), let old = event.old {
                return Choice(target: old, expected: event.new.map { .value($0) } ?? .absent, event: event, basis: Self.describe(event))
            }
            // No record (Refuge was installed later): the reflog's last non-fast-forward move.
            for (index, entry) in ((try? repository.reflog(of: ref)) ?? []).enumerated() {
                guard let old = entry.old, let new = entry.new,
                      let oldCommit = try repository.peelToCommit(old), let newCommit = try repository.peelToCommit(new),
                      try !repository.isAncestor(oldCommit, of: newCommit)
                else { continue }
                return Choice(target: old, expected: .value(new), event: nil,
                              basis: "the reflog entry \(ref)@{\(index)} (\(entry.message), \(Timestamp.short(entry.time)))")
            }
            throw RecoveryRefusal.nothingToRecover(ref: ref)
        }
    }

    static func describe(_ event: AuditEvent) -> String {
        let what = event.kind == .delete ? "deletion" : "\(event.kind.rawValue) update"
        return "the \(what) #\(event.id ?? 0)" + (event.pusher.map { " by \($0)" } ?? "") + ", \(Timestamp.short(event.time))"
    }

    /// REF as git would read it (`main` → `refs/heads/main`), also when it no longer exists but the audit
    /// log or a reflog knows it. With `--to`, a branch nobody knows is created (`recover spike --to OID`,
    /// as `lost` suggests for work a detached HEAD or a stash held).
    private func resolveRef(_ text: String, creatingWith target: RecoveryRequest.Target?) throws -> String {
        let candidates = EventFilter.candidateNames(for: text).filter { $0 == "HEAD" || $0.hasPrefix("refs/") }
        for name in candidates where ((try? repository.resolveReference(name)) ?? nil) != nil { return name }
        for name in candidates where try store.knowsRef(name, repository: repository.auditIdentity) { return name }
        let logged = Set(repository.reflogReferenceNames())
        if let name = candidates.first(where: logged.contains) { return name }
        if case .revision = target { return try newRefName(text) }
        throw RecoveryRefusal.unknownRef(text)
    }

    private func newRefName(_ text: String) throws -> String {
        let name = text.hasPrefix("refs/") ? text : "refs/heads/\(text)"
        guard Repository.isValidReferenceName(name) else { throw RecoveryRefusal.invalidNewRef(text) }
        guard !RefugeRefs.isRefugeOwned(name) else { throw RecoveryRefusal.reservedNewRef(text) }
        return name
    }

    private func value(of ref: String) throws -> ObjectID? {
        (try? repository.resolveReference(ref)) ?? nil
    }

    // MARK: What changes

    /// The dropped commits to re-apply, oldest first: what `target` has and `base` lacks, without merges
    /// and without patches `base` already has (as `git rebase` skips them).
    private func replayPlan(of target: ObjectID, onto base: ObjectID) throws -> (commits: [ObjectID], skipped: [CommitSummary]) {
        var present: Set<ObjectID> = []
        for commit in try repository.commitsOldestFirst(reachableFrom: [base], excluding: [target]) {
            if let patch = try repository.patchID(of: commit) { present.insert(patch) }
        }
        var commits: [ObjectID] = []
        var skipped: [CommitSummary] = []
        for commit in try repository.commitsOldestFirst(reachableFrom: [target], excluding: [base]) {
            if try repository.parents(of: commit).count > 1 {
                skipped.append(try repository.commitSummary(commit))
            } else if let patch = try repository.patchID(of: commit), present.contains(patch) {
                skipped.append(try repository.commitSummary(commit))
            } else {
                commits.append(commit)
            }
        }
        return (commits, skipped)
    }

    private func comesBack(_ value: ObjectID, replacing current: ObjectID?, replayed: [ReplayedCommit]) throws -> [CommitSummary] {
        if !replayed.isEmpty { return try replayed.reversed().map { try repository.commitSummary($0.copy) } }
        guard let commit = try repository.peelToCommit(value) else { return [] }
        let hidden: [ObjectID]
        if let current, let currentCommit = try repository.peelToCommit(current) {
            hidden = [currentCommit]
        } else {
            hidden = try UpdateClassifier(repository: repository).remainingTips(excluding: nil)
        }
        return try repository.commits(reachableFrom: [commit], excluding: hidden)
    }

    private func leaves(_ current: ObjectID?, replacedBy value: ObjectID) throws -> [CommitSummary] {
        guard let current, let currentCommit = try repository.peelToCommit(current) else { return [] }
        let hidden = try repository.peelToCommit(value).map { [$0] } ?? []
        return try repository.commits(reachableFrom: [currentCommit], excluding: hidden)
    }
}

extension ExpectedReferenceValue {
    func matches(_ value: ObjectID?) -> Bool {
        switch self {
        case .absent: return value == nil
        case .value(let expected): return value == expected
        }
    }

    var commitValue: ObjectID? {
        if case .value(let id) = self { return id }
        return nil
    }
}
