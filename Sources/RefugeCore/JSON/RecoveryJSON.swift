import Foundation
import GitKit

/// `lost --json`: one object per lost chain tip (Docs/Schema.md).
public struct LostCommitJSON: Encodable, Sendable {
    let oid: ObjectID
    let state: String
    @Nullable var held: String?
    @Nullable var copy: ObjectID?
    @Nullable var recoveredBy: Int64?
    let commits: Int
    let source: LostCommit.Source
    let foundIn: [LostCommit.Source]
    @Nullable var ref: String?
    let time: String
    let author: String
    let summary: String
    @Nullable var expires: String?
    @Nullable var pin: String?

    enum CodingKeys: String, CodingKey {
        case oid, state, held, copy, recoveredBy = "recovered_by", commits, source, foundIn = "found_in", ref, time
        case author, summary, expires, pin
    }

    public init(_ lost: LostCommit) {
        (oid, state, held, copy, recoveredBy) = (lost.tip.id, lost.state.rawValue, lost.held, lost.copy, lost.recoveredBy)
        (commits, source, foundIn, ref, time) = (lost.commits, lost.source, lost.foundIn, lost.ref, Timestamp.iso(lost.time))
        (author, summary) = ("\(lost.tip.authorName) <\(lost.tip.authorEmail)>", lost.tip.summary)
        (expires, pin) = (lost.expires.map(Timestamp.iso), lost.pin)
    }
}

/// A commit as `recover --json` and `forget --json` list it.
struct CommitJSON: Encodable, Sendable {
    let oid: ObjectID, author: String, summary: String
    init(_ commit: CommitSummary) {
        oid = commit.id
        author = "\(commit.authorName) <\(commit.authorEmail)>"
        summary = commit.summary
    }
}

/// `recover --json`.
public struct RecoveryJSON: Encodable, Sendable {
    struct Copy: Encodable, Sendable { let original: ObjectID, copy: ObjectID }

    struct Push: Encodable, Sendable {
        let remote: String, ref: String
        @Nullable var expected: ObjectID?
        let pushed: Bool, detail: String
    }

    let ref: String
    @Nullable var mode: String?
    @Nullable var from: ObjectID?
    @Nullable var to: ObjectID?
    @Nullable var recovered: ObjectID?
    @Nullable var basis: String?
    @Nullable var undoes: Int64?
    let applied: Bool
    let dryRun: Bool
    let alreadyThere: Bool
    let comesBack: [CommitJSON]
    let leaves: [CommitJSON]
    let replayed: [Copy]
    let skipped: [CommitJSON]
    @Nullable var event: Int64?
    @Nullable var pin: String?
    let workingTree: Bool
    @Nullable var push: Push?

    enum CodingKeys: String, CodingKey {
        case ref, mode, from, to, recovered, basis, undoes, applied, dryRun = "dry_run", alreadyThere = "already_there"
        case comesBack = "comes_back", leaves, replayed, skipped, event, pin, workingTree = "working_tree_updated", push
    }

    public init(_ outcome: RecoveryOutcome, push: RecoveryPush.Result?) {
        let plan = outcome.plan
        (ref, mode, from, to, recovered) = (outcome.destination, plan?.mode.rawValue, plan?.from, plan?.to, plan?.recovered)
        (basis, undoes, applied) = (plan?.basis, plan?.undoes?.id, outcome.applied)
        (dryRun, alreadyThere) = (plan != nil && !outcome.applied, outcome.alreadyThere)
        comesBack = (plan?.comesBack ?? []).map(CommitJSON.init)
        leaves = (plan?.leaves ?? []).map(CommitJSON.init)
        replayed = (plan?.replayed ?? []).map { Copy(original: $0.original, copy: $0.copy) }
        skipped = (plan?.skipped ?? []).map(CommitJSON.init)
        (event, pin, workingTree) = (outcome.eventID, outcome.pin, plan?.updatesWorkingTree ?? false)
        self.push = push.map { Push(remote: $0.remote, ref: $0.ref, expected: $0.expected, pushed: $0.pushed, detail: $0.detail) }
    }
}

/// `prune --json`: one object per pin.
public struct PinJSON: Encodable, Sendable {
    let name: String
    let target: ObjectID
    @Nullable var sourceRef: String?
    @Nullable var event: Int64?
    let reason: String
    let createdAt: String

    enum CodingKeys: String, CodingKey { case name, target, sourceRef = "source_ref", event, reason, createdAt = "created_at" }

    public init(_ pin: Pins.Pin) {
        (name, target, sourceRef, event) = (pin.name, pin.target, pin.record.sourceRef, pin.record.eventID)
        (reason, createdAt) = (pin.record.reason, Timestamp.iso(pin.record.createdAt))
    }
}

/// `forget --json`.
public struct ForgettingJSON: Encodable, Sendable {
    /// A removed pin: the pin's keys, and what it kept.
    struct Removed: Encodable, Sendable {
        let pin: PinJSON
        let keeps: [ObjectID]
        enum CodingKeys: String, CodingKey { case keeps }
        func encode(to encoder: any Encoder) throws {  // the pin's keys at the top level, beside keeps
            try pin.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(keeps, forKey: .keeps)
        }
    }

    let dryRun: Bool
    let removed: [Removed]
    let released: [CommitJSON]
    let stillReachable: [ObjectID]
    let unpinned: [ObjectID]

    enum CodingKeys: String, CodingKey { case dryRun = "dry_run", removed, released, stillReachable = "still_reachable", unpinned }

    public init(_ outcome: Forgetting.Outcome, dryRun: Bool) {
        self.dryRun = dryRun
        removed = outcome.removed.map { Removed(pin: PinJSON($0.pin), keeps: $0.keeps) }
        released = outcome.released.map(CommitJSON.init)
        (stillReachable, unpinned) = (outcome.stillReachable, outcome.unpinned)
    }
}
