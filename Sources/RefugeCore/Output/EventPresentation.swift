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
        try container.encode(event.hook, forKey: .hook)
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

/// The human forms of events.
public struct EventText {
    let palette: Palette

    public init(palette: Palette) {
        self.palette = palette
    }

    /// One line: `#12 2026-11-22 03:40:12Z server forced refs/heads/main 1a2b3c4..5d6e7f8 dropped 1 by alice (accepted)`.
    public func line(_ event: AuditEvent) -> String {
        let kind = event.kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)
        let coloredKind: String
        switch event.kind {
        case .forced, .delete: coloredKind = event.role.isBookkeeping ? kind : palette.red(kind)  // bookkeeping: no alarm
        case .create: coloredKind = palette.green(kind)
        case .fastForward: coloredKind = kind
        }
        var parts = [
            palette.yellow("#\(event.id ?? 0)"), palette.dim(Timestamp.short(event.time)),
            event.side.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0), coloredKind, event.ref,
            "\(event.old?.short ?? "0000000")..\(event.new?.short ?? "0000000")",
        ]
        if event.kind.canDropCommits {
            parts.append(palette.bold(event.dropped.map { "dropped \($0)" } ?? "dropped unknown"))
        }
        if let pusher = event.pusher { parts.append("by \(pusher)") }
        if let remote = event.remote ?? event.url { parts.append("to \(remote)") }
        if event.hook == .recover { parts.append("recover" + (event.undoes.map { " of #\($0)" } ?? "")) }
        parts.append("(\(event.status.rawValue))")
        return parts.joined(separator: " ")
    }

    /// Where a dropped commit is now, in words: lost work is what a reader must not miss.
    func whereNow(_ dropped: DroppedCommit) -> String {
        var parts: [String] = []
        if let copy = dropped.rewrittenAs { parts.append("rewritten as \(copy.short) (same patch)") }
        switch dropped.state {
        case .recovered:
            parts.append(palette.green("recovered by #\(dropped.recoveredBy ?? 0)")
                + (dropped.recoveredAs.map { " as \($0.short)" } ?? (dropped.reachableFrom.isEmpty ? "" : ", on \(dropped.reachableFrom.joined(separator: ", "))")))
        case .reachable: parts.append("still reachable from \(dropped.reachableFrom.joined(separator: ", "))")
        case .pinned: parts.append("pinned: kept by \(dropped.pinnedBy.joined(separator: ", ")) (git refuge recover brings it back)")
        case .gone: parts.append(dropped.rewrittenAs == nil ? palette.red("gone: no ref reaches it") : "the original is in no ref")
        }
        return parts.joined(separator: "; ")
    }

    public func detail(_ detail: EventDetail) -> String {
        let event = detail.event
        var lines = [palette.bold("event #\(event.id ?? 0)") + "  \(event.kind.rawValue) of \(event.ref)"]
        func field(_ name: String, _ value: String?) {
            if let value { lines.append("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0) + value) }
        }
        field("time", Timestamp.iso(event.time))
        let recorder = HookName.installable.contains(event.hook) ? "\(event.hook.rawValue) hook" : "git refuge \(event.hook.rawValue)"
        field("side", "\(event.side.rawValue) (\(recorder)), \(event.status.rawValue)")
        field("repository", event.repository)
        field("old", event.old?.hex ?? "(none)")
        field("new", event.new?.hex ?? "(none)")
        field("local ref", event.localRef)
        field("pusher", event.pusher)
        field("remote", event.remote)
        field("url", event.url)
        field("push options", event.pushOptions?.joined(separator: ", "))
        field("batch", event.batch)
        field("reason", event.reason)
        field("undoes", event.undoes.map { "event #\($0)" })
        if event.kind.canDropCommits {
            field("dropped", event.dropped.map(String.init) ?? "unknown (this repository never had the old commits)")
        }
        if let commits = detail.droppedCommits, !commits.isEmpty {
            lines.append("")
            lines.append(palette.bold("dropped commits") + " (newest first):")
            for dropped in commits {
                let commit = dropped.commit
                lines.append("  \(palette.yellow(commit.id.short)) \(Timestamp.short(commit.authorTime)) "
                    + "\(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)")
                lines.append("          " + whereNow(dropped))
            }
        } else if detail.droppedCommits == nil, event.kind.canDropCommits {
            lines.append("")
            lines.append("dropped commits: not in this repository's object store")
        }
        return lines.joined(separator: "\n")
    }
}
