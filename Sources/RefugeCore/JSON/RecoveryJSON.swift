import Foundation
import GitKit

/// `lost --json`: one object per lost chain tip (Docs/Schema.md).
public struct LostCommitJSON: Encodable {
    let lost: LostCommit

    public init(_ lost: LostCommit) {
        self.lost = lost
    }

    enum Key: String, CodingKey {
        case oid, state, held, copy, recoveredBy = "recovered_by", commits, source, foundIn = "found_in", ref, time
        case author, summary, expires, pin
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(lost.tip.id, forKey: .oid)
        try container.encode(lost.state.rawValue, forKey: .state)
        try container.encode(lost.held, forKey: .held)
        try container.encode(lost.copy, forKey: .copy)
        try container.encode(lost.recoveredBy, forKey: .recoveredBy)
        try container.encode(lost.commits, forKey: .commits)
        try container.encode(lost.source, forKey: .source)
        try container.encode(lost.foundIn, forKey: .foundIn)
        try container.encode(lost.ref, forKey: .ref)
        try container.encode(Timestamp.iso(lost.time), forKey: .time)
        try container.encode("\(lost.tip.authorName) <\(lost.tip.authorEmail)>", forKey: .author)
        try container.encode(lost.tip.summary, forKey: .summary)
        try container.encode(lost.expires.map(Timestamp.iso), forKey: .expires)
        try container.encode(lost.pin, forKey: .pin)
    }
}

/// `recover --json`.
public struct RecoveryJSON: Encodable {
    let outcome: RecoveryOutcome
    let push: RecoveryPush.Result?

    public init(_ outcome: RecoveryOutcome, push: RecoveryPush.Result?) {
        self.outcome = outcome
        self.push = push
    }

    struct Commit: Encodable {
        let oid: ObjectID, author: String, summary: String
        init(_ commit: CommitSummary) {
            oid = commit.id
            author = "\(commit.authorName) <\(commit.authorEmail)>"
            summary = commit.summary
        }
    }

    struct Copy: Encodable { let original: ObjectID, copy: ObjectID }

    struct Push: Encodable {
        let remote: String, ref: String, expected: ObjectID?, pushed: Bool, detail: String
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(remote, forKey: .remote)
            try container.encode(ref, forKey: .ref)
            try container.encode(expected, forKey: .expected)
            try container.encode(pushed, forKey: .pushed)
            try container.encode(detail, forKey: .detail)
        }
        enum CodingKeys: String, CodingKey { case remote, ref, expected, pushed, detail }
    }

    enum Key: String, CodingKey {
        case ref, mode, from, to, recovered, basis, undoes, applied, dryRun = "dry_run", alreadyThere = "already_there"
        case comesBack = "comes_back", leaves, replayed, skipped, event, pin, workingTree = "working_tree_updated", push
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        let plan = outcome.plan
        try container.encode(outcome.destination, forKey: .ref)
        try container.encode(plan?.mode.rawValue, forKey: .mode)
        try container.encode(plan?.from, forKey: .from)
        try container.encode(plan?.to, forKey: .to)
        try container.encode(plan?.recovered, forKey: .recovered)
        try container.encode(plan?.basis, forKey: .basis)
        try container.encode(plan?.undoes?.id, forKey: .undoes)
        try container.encode(outcome.applied, forKey: .applied)
        try container.encode(plan != nil && !outcome.applied, forKey: .dryRun)
        try container.encode(outcome.alreadyThere, forKey: .alreadyThere)
        try container.encode((plan?.comesBack ?? []).map(Commit.init), forKey: .comesBack)
        try container.encode((plan?.leaves ?? []).map(Commit.init), forKey: .leaves)
        try container.encode((plan?.replayed ?? []).map { Copy(original: $0.original, copy: $0.copy) }, forKey: .replayed)
        try container.encode((plan?.skipped ?? []).map(Commit.init), forKey: .skipped)
        try container.encode(outcome.eventID, forKey: .event)
        try container.encode(outcome.pin, forKey: .pin)
        try container.encode(plan?.updatesWorkingTree ?? false, forKey: .workingTree)
        try container.encode(push.map {
            Push(remote: $0.remote, ref: $0.ref, expected: $0.expected, pushed: $0.pushed, detail: $0.detail)
        }, forKey: .push)
    }
}

/// `prune --json`: one object per pin.
public struct PinJSON: Encodable {
    let pin: Pins.Pin
    public init(_ pin: Pins.Pin) { self.pin = pin }
    enum Key: String, CodingKey { case name, target, sourceRef = "source_ref", event, reason, createdAt = "created_at" }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(pin.name, forKey: .name)
        try container.encode(pin.target, forKey: .target)
        try container.encode(pin.record.sourceRef, forKey: .sourceRef)
        try container.encode(pin.record.eventID, forKey: .event)
        try container.encode(pin.record.reason, forKey: .reason)
        try container.encode(Timestamp.iso(pin.record.createdAt), forKey: .createdAt)
    }
}

/// `forget --json`.
public struct ForgettingJSON: Encodable {
    let outcome: Forgetting.Outcome
    let dryRun: Bool
    public init(_ outcome: Forgetting.Outcome, dryRun: Bool) {
        self.outcome = outcome
        self.dryRun = dryRun
    }

    struct Removed: Encodable {
        let pin: PinJSON
        let keeps: [ObjectID]
        func encode(to encoder: any Encoder) throws {
            try pin.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(keeps, forKey: .keeps)
        }
        enum Key: String, CodingKey { case keeps }
    }

    enum Key: String, CodingKey { case dryRun = "dry_run", removed, released, stillReachable = "still_reachable", unpinned }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(dryRun, forKey: .dryRun)
        try container.encode(outcome.removed.map { Removed(pin: PinJSON($0.pin), keeps: $0.keeps) }, forKey: .removed)
        try container.encode(outcome.released.map(RecoveryJSON.Commit.init), forKey: .released)
        try container.encode(outcome.stillReachable, forKey: .stillReachable)
        try container.encode(outcome.unpinned, forKey: .unpinned)
    }
}
