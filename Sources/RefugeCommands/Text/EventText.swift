import Foundation
import GitKit
import RefugeCore

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
        if let address = event.address { parts.append("from \(address)") }
        if let remote = event.remote ?? event.url { parts.append("to \(remote)") }
        if event.source == .recover { parts.append("recover" + (event.undoes.map { " of #\($0)" } ?? "")) }
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
        let recorder: String
        switch event.source {
        case .hook(let hook): recorder = "\(hook.rawValue) hook"
        case .recover, .backfill: recorder = "git refuge \(event.source.rawValue)"
        }
        field("side", "\(event.side.rawValue) (\(recorder)), \(event.status.rawValue)")
        field("repository", event.repository)
        field("old", event.old?.hex ?? "(none)")
        field("new", event.new?.hex ?? "(none)")
        field("local ref", event.localRef)
        field("pusher", event.pusher)
        field("address", event.address)
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
                lines.append(commitLine(dropped.commit))
                lines.append("          " + whereNow(dropped))
            }
        } else if detail.droppedCommits == nil, event.kind.canDropCommits {
            lines.append("")
            lines.append("dropped commits: not in this repository's object store")
        }
        return lines.joined(separator: "\n")
    }

    /// A dropped commit as `show` lists it: short id, author date, author, summary.
    private func commitLine(_ commit: CommitSummary) -> String {
        "  \(palette.yellow(commit.id.short)) \(Timestamp.short(commit.authorTime)) \(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)"
    }

    /// `show --central`: the event as `show` words it, where it is from, and what it dropped as its
    /// source last shipped it.
    public func detail(_ detail: CentralEventDetail) -> String {
        let event = detail.central.event
        var lines = [self.detail(EventDetail(event: event, droppedCommits: []))]
        lines.append("  " + "source".padding(toLength: 13, withPad: " ", startingAt: 0)
            + "\(detail.central.host) (source \(detail.central.source))")
        if !detail.recoveries.isEmpty {
            lines.append("  " + "undone by".padding(toLength: 13, withPad: " ", startingAt: 0)
                + detail.recoveries.map { "event #\($0)" }.joined(separator: ", "))
        }
        if let dropped = detail.dropped, !dropped.isEmpty {
            lines.append("")
            lines.append(palette.bold("dropped commits") + " (newest first, as \(detail.central.host) saw them at its last ship):")
            for state in dropped {
                lines.append(commitLine(state.commit))
                lines.append("          " + state.state.rawValue + (state.recoveredBy.map { " (by recovery #\($0))" } ?? ""))
            }
        } else if detail.dropped == nil, event.kind.canDropCommits {
            lines.append("")
            lines.append("dropped commits: not sent by its source (only the newest rewrites of each repository are)")
        }
        return lines.joined(separator: "\n")
    }
}
