import Foundation
import GitKit

/// An event as `--json` prints it. Names are stable (Docs/Schema.md); zero ids and unknowns are `null`.
public struct EventJSON: Encodable, Sendable {
    @Nullable var id: Int64?
    let time: String
    let side: Side
    let hook: EventSource
    let repository: String
    let ref: String
    @Nullable var old: ObjectID?
    @Nullable var new: ObjectID?
    let kind: UpdateKind
    @Nullable var dropped: Int?
    @Nullable var pusher: String?
    @Nullable var remote: String?
    @Nullable var url: String?
    let status: EventStatus
    @Nullable var pushOptions: [String]?
    @Nullable var localRef: String?
    let batch: String
    @Nullable var reason: String?
    @Nullable var undoes: Int64?
    @Nullable var address: String?

    enum CodingKeys: String, CodingKey {
        case id, time, side, hook, repository, ref, old, new, kind, dropped, pusher, address, remote, url, status
        case pushOptions = "push_options", localRef = "local_ref", batch, reason, undoes
    }

    public init(_ event: AuditEvent) {
        (id, time, side, hook, repository, ref) = (event.id, Timestamp.iso(event.time), event.side, event.source, event.repository, event.ref)
        (old, new, kind, dropped, pusher, remote, url) = (event.old, event.new, event.kind, event.dropped, event.pusher, event.remote, event.url)
        (status, pushOptions, localRef, batch, reason, undoes) = (event.status, event.pushOptions, event.localRef, event.batch, event.reason, event.undoes)
        address = event.address
    }
}

/// `show --json`: the event's keys, and the commits it dropped (null when this repository cannot know them).
public struct EventDetailJSON: Encodable, Sendable {
    let event: EventJSON
    @Nullable var droppedCommits: [CommitJSON]?

    struct CommitJSON: Encodable, Sendable {
        let oid: ObjectID
        let author: String
        let time: String
        let summary: String
        let state: String
        let reachableFrom: [String]
        let pinnedBy: [String]
        @Nullable var rewrittenAs: ObjectID?
        @Nullable var recoveredBy: Int64?
        @Nullable var recoveredAs: ObjectID?

        enum CodingKeys: String, CodingKey {
            case oid, author, time, summary, state, reachableFrom = "reachable_from", pinnedBy = "pinned_by", rewrittenAs = "rewritten_as"
            case recoveredBy = "recovered_by", recoveredAs = "recovered_as"
        }
    }

    public init(_ detail: EventDetail) {
        event = EventJSON(detail.event)
        droppedCommits = detail.droppedCommits?.map { dropped in
            let commit = dropped.commit
            return CommitJSON(
                oid: commit.id, author: "\(commit.authorName) <\(commit.authorEmail)>", time: Timestamp.iso(commit.authorTime),
                summary: commit.summary, state: dropped.state.rawValue, reachableFrom: dropped.reachableFrom, pinnedBy: dropped.pinnedBy,
                rewrittenAs: dropped.rewrittenAs, recoveredBy: dropped.recoveredBy, recoveredAs: dropped.recoveredAs)
        }
    }

    enum CodingKeys: String, CodingKey { case droppedCommits = "dropped_commits" }

    public func encode(to encoder: any Encoder) throws {  // the event's keys at the top level, beside dropped_commits
        try event.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(_droppedCommits, forKey: .droppedCommits)
    }
}

/// `log --central --json`: an event's keys, plus the source it was shipped from and that source's host.
public struct CentralEventJSON: Encodable, Sendable {
    let event: EventJSON
    let source: String
    let host: String
    enum CodingKeys: String, CodingKey { case source, host }

    public init(_ central: CentralEvent) {
        (event, source, host) = (EventJSON(central.event), central.source, central.host)
    }

    public func encode(to encoder: any Encoder) throws {  // the event's keys at the top level, beside source and host
        try event.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(source, forKey: .source)
        try container.encode(host, forKey: .host)
    }
}

/// `show --central --json`: the event's keys with source and host, and what it dropped as its source last
/// shipped it (the report's states: lost, pinned, reachable, recovered, rewritten).
public struct CentralEventDetailJSON: Encodable, Sendable {
    let event: CentralEventJSON
    @Nullable var droppedCommits: [Commit]?
    let recoveries: [Int64]

    struct Commit: Encodable, Sendable {
        let oid: ObjectID
        let author: String
        let time: String
        let summary: String
        let state: String
        @Nullable var recoveredBy: Int64?
        enum CodingKeys: String, CodingKey { case oid, author, time, summary, state, recoveredBy = "recovered_by" }
    }

    enum CodingKeys: String, CodingKey { case event, droppedCommits = "dropped_commits", recoveries }

    public init(_ detail: CentralEventDetail) {
        event = CentralEventJSON(detail.central)
        recoveries = detail.recoveries
        droppedCommits = detail.dropped?.map {
            Commit(oid: $0.commit.id, author: "\($0.commit.authorName) <\($0.commit.authorEmail)>", time: Timestamp.iso($0.commit.authorTime),
                   summary: $0.commit.summary, state: $0.state.rawValue, recoveredBy: $0.recoveredBy)
        }
    }
}
