import Foundation
import GitKit

/// What became of dropped commits, from one walk of what the refs reach and one of what pins keep.
struct DroppedStates {
    let repository: Repository
    let live: Set<ObjectID>
    let pinned: Set<ObjectID>
    /// The patch ids of the commits each replay added to its ref (its copies), with the recovery and when.
    let replayed: [ObjectID: (id: Int64, time: Date)]

    /// Live copies by the rule `lost` and `show` use (a rewrite made after the update: a squash, an amend).
    let copies: CommitCopies?

    init(repository: Repository, live history: LostCommitScan.LiveHistory, recoveries: [AuditEvent],
         copies: CommitCopies? = nil) throws {
        self.repository = repository
        self.copies = copies
        live = history.commits
        let pins = try repository.references(under: RefugeRefs.kept).compactMap { try repository.peelToCommit($0.target) }
        pinned = try repository.commitSet(reachableFrom: pins, excluding: history.tips)
        replayed = try Self.replayedPatches(recoveries, repository: repository)
    }

    /// The commits `event` dropped (newest first, at most the report's limit) and their state now.
    func dropped(by event: AuditEvent, recoveries: [AuditEvent]) throws -> [AuditReport.DroppedState]? {
        guard let old = event.old else { return [] }
        guard repository.contains(old) else { return nil }
        guard let oldCommit = try repository.peelToCommit(old) else { return [] }
        let hidden: [ObjectID]
        if event.kind == .delete {
            // What other refs kept at the time is unknown; those that exist now are the best estimate,
            // without the ref itself and the refs its recoveries made (they hold the dropped commits now).
            let restored = Set([event.ref] + recoveries.map(\.ref))
            hidden = try UpdateClassifier(repository: repository).remainingTips(excluding: restored)
        } else {
            hidden = try event.new.flatMap { try repository.peelToCommit($0) }.map { [$0] } ?? []
        }
        let commits = try repository.commits(reachableFrom: [oldCommit], excluding: hidden, limit: ReportBuilder.droppedListLimit)
        var rewritten: Set<ObjectID>?  // walked once, for the first commit that needs it
        func rewrites() throws -> Set<ObjectID> {
            if let rewritten { return rewritten }
            rewritten = try rewrittenPatches(of: event, oldCommit: oldCommit)
            return rewritten!
        }
        return try commits.map { commit in
            var state: AuditReport.DroppedState.State
            var recoveredBy: Int64?
            // A patch id costs a diff: only a commit no ref reaches needs one.
            let patch = live.contains(commit.id) ? nil : try repository.patchID(of: commit.id)
            if live.contains(commit.id) {
                state = recoveries.isEmpty ? .reachable : .recovered
                recoveredBy = recoveries.first?.id
            } else if let patch, let replay = replayed[patch], replay.time >= event.time {
                // `recover --replay` brings work back as copies: the same patch, added by a later recovery
                // (of this update, or of another that dropped the same commits).
                state = .recovered
                recoveredBy = replay.id
            } else if let patch, try rewrites().contains(patch) {
                state = .rewritten  // the update itself holds a copy: a rebase or an amend, not lost work
            } else if try copies?.copy(of: commit) != nil {
                state = .rewritten  // a live copy by the rule `lost` uses (a squash, an amend that changed content)
            } else if pinned.contains(commit.id) {
                state = .pinned
            } else {
                state = .lost
            }
            return AuditReport.DroppedState(commit: commit, state: state, recoveredBy: recoveredBy)
        }
    }

    /// The patch ids of the commits a forced update added (its new value's history beyond the old one).
    private func rewrittenPatches(of event: AuditEvent, oldCommit: ObjectID) throws -> Set<ObjectID> {
        guard event.kind == .forced, let new = event.new, let newCommit = try repository.peelToCommit(new) else { return [] }
        var patches: Set<ObjectID> = []
        for commit in try repository.commitsOldestFirst(reachableFrom: [newCommit], excluding: [oldCommit]) {
            if let patch = try repository.patchID(of: commit) { patches.insert(patch) }
        }
        return patches
    }

    /// Replays into an existing ref (`recover --replay`): what they added beyond the ref's old value.
    /// Restores and `--as` creations bring the original commits back, which `live` already sees.
    private static func replayedPatches(_ recoveries: [AuditEvent], repository: Repository) throws
        -> [ObjectID: (id: Int64, time: Date)]
    {
        var patches: [ObjectID: (id: Int64, time: Date)] = [:]
        for recovery in recoveries where recovery.reason?.hasPrefix("replayed") == true {
            guard let id = recovery.id, let new = recovery.new, let newCommit = try repository.peelToCommit(new),
                  let old = recovery.old, let base = try repository.peelToCommit(old)
            else { continue }
            for commit in try repository.commitsOldestFirst(reachableFrom: [newCommit], excluding: [base]) {
                if let patch = try repository.patchID(of: commit) { patches[patch] = (id, recovery.time) }
            }
        }
        return patches
    }
}
