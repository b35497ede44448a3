import Foundation
import GitKit

/// An event as `--json` prints it. Names are stable (Docs/Schema.md); zero ids and unknowns are `null`.
public struct EventJSON: Encodable {
    let event: AuditEvent

    public init(_ event: AuditEvent) {
        self.event = event
    }

    enum Key: String, CodingKey {
        case id, time, side, hook, repository, ref, old, new, kind, dropped, pusher, remote, url, status
        case pushOptions = "push_options", localRef = "local_ref", batch, reason, undoes
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(event.id, forKey: .id)
        try container.encode(Timestamp.iso(event.time), forKey: .time)
        try container.encode(event.side, forKey: .side)
        try container.encode(event.source, forKey: .hook)
        try container.encode(event.repository, forKey: .repository)
        try container.encode(event.ref, forKey: .ref)
        try container.encode(event.old, forKey: .old)
        try container.encode(event.new, forKey: .new)
        try container.encode(event.kind, forKey: .kind)
        try container.encode(event.dropped, forKey: .dropped)
        try container.encode(event.pusher, forKey: .pusher)
        try container.encode(event.remote, forKey: .remote)
        try container.encode(event.url, forKey: .url)
        try container.encode(event.status, forKey: .status)
        try container.encode(event.pushOptions, forKey: .pushOptions)
        try container.encode(event.localRef, forKey: .localRef)
        try container.encode(event.batch, forKey: .batch)
        try container.encode(event.reason, forKey: .reason)
        try container.encode(event.undoes, forKey: .undoes)
    }
}

/// `show --json`: the event, and the commits it dropped (null when this repository cannot know them).
public struct EventDetailJSON: Encodable {
    let detail: EventDetail

    public init(_ detail: EventDetail) {
        self.detail = detail
    }

    struct CommitJSON: Encodable {
        let oid: ObjectID
        let author: String
        let time: String
        let summary: String
        let state: String
        let reachableFrom: [String]
        let pinnedBy: [String]
        let rewrittenAs: ObjectID?
        let recoveredBy: Int64?
        let recoveredAs: ObjectID?

        enum CodingKeys: String, CodingKey {
            case oid, author, time, summary, state, reachableFrom = "reachable_from", pinnedBy = "pinned_by", rewrittenAs = "rewritten_as"
            case recoveredBy = "recovered_by", recoveredAs = "recovered_as"
        }

        func encode(to encoder: any Encoder) throws {  // explicit, so that rewritten_as is null, not absent
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(oid, forKey: .oid)
            try container.encode(author, forKey: .author)
            try container.encode(time, forKey: .time)
            try container.encode(summary, forKey: .summary)
            try container.encode(state, forKey: .state)
            try container.encode(reachableFrom, forKey: .reachableFrom)
            try container.encode(pinnedBy, forKey: .pinnedBy)
            try container.encode(rewrittenAs, forKey: .rewrittenAs)
            try container.encode(recoveredBy, forKey: .recoveredBy)
            try container.encode(recoveredAs, forKey: .recoveredAs)
        }
    }

    enum Key: String, CodingKey { case droppedCommits = "dropped_commits" }

    public func encode(to encoder: any Encoder) throws {
        try EventJSON(detail.event).encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        let commits = detail.droppedCommits?.map { dropped in
            let commit = dropped.commit
            return CommitJSON(
                oid: commit.id, author: "\(commit.authorName) <\(commit.authorEmail)>", time: Timestamp.iso(commit.authorTime),
                summary: commit.summary, state: dropped.state.rawValue, reachableFrom: dropped.reachableFrom, pinnedBy: dropped.pinnedBy,
                rewrittenAs: dropped.rewrittenAs, recoveredBy: dropped.recoveredBy, recoveredAs: dropped.recoveredAs)
        }
        try container.encode(commits, forKey: .droppedCommits)
    }
}

public enum JSONOutput {
    public static func render(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
