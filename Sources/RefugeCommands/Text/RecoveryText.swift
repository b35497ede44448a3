import Foundation
import GitKit
import RefugeCore

/// The human forms of `lost`, `recover` and `prune`.
public struct RecoveryText {
    let palette: Palette

    public init(palette: Palette) {
        self.palette = palette
    }

    public func lost(_ rows: [LostCommit], now: Date = Date()) -> String {
        guard !rows.isEmpty else { return "no lost commits: every commit the reflogs, the audit log and the pins know is on a ref" }
        var lines: [String] = []
        let lost = rows.filter { $0.state == .lost }
        lines.append(lost.isEmpty
            ? palette.green("no lost work:") + " every chain below has a live copy, was recovered or was applied"
            : palette.red("lost work (\(lost.count) chain\(lost.count == 1 ? "" : "s")):"))
        var state: LostCommit.State?
        for row in rows {
            if row.state != state, row.state != .lost {
                lines.append(palette.dim(Self.heading(row.state)))
            }
            state = row.state
            let fate: String
            switch row.state {
            case .lost:
                if let pin = row.pin {
                    fate = palette.green("pinned") + palette.dim(" (\(pin.dropFirst(RefugeRefs.kept.count).prefix(7)))")
                } else if let expires = row.expires {
                    fate = expires <= now ? palette.red("next gc deletes it") : "expires \(Timestamp.short(expires))"
                } else {
                    fate = "never expires"
                }
            case .rewritten: fate = "rewritten as \(row.copy?.short ?? "?")"
            case .recovered: fate = "recovered by #\(row.recoveredBy ?? 0)" + (row.copy.map { " as \($0.short)" } ?? "")
            case .applied: fate = "applied by git stash pop"
            }
            lines.append("  " + [
                palette.yellow(row.tip.id.short), "\(row.commits) commit\(row.commits == 1 ? "" : "s")",
                row.held ?? row.ref ?? "-", row.source.rawValue, palette.dim(Timestamp.short(row.time)),
                "\(row.tip.authorName):", row.tip.summary, "—", fate,
            ].joined(separator: "  "))
        }
        if let first = lost.first { lines.append(palette.dim(Self.recoveryHint(for: first))) }
        return lines.joined(separator: "\n")
    }

    static func heading(_ state: LostCommit.State) -> String {
        switch state {
        case .lost: "lost work:"
        case .rewritten: "rewritten (a rebase, an amend or a cherry-pick made a live copy; not lost):"
        case .recovered: "recovered (git refuge recover brought a copy back):"
        case .applied: "applied stash entries (git stash pop put them in the working tree):"
        }
    }

    /// The command that brings `row` back, filled in: onto the branch it was on, else as a new branch.
    static func recoveryHint(for row: LostCommit) -> String {
        let oid = row.tip.id.short
        if let ref = row.ref, ref.hasPrefix("refs/heads/") {
            let branch = String(ref.dropFirst("refs/heads/".count))
            return "bring it back: git refuge recover \(branch) --to \(oid) (or --as NEWBRANCH to keep \(branch) as it is)"
        }
        return "bring it back: git refuge recover NEWBRANCH --to \(oid)"
    }

    public func recovery(_ outcome: RecoveryOutcome, push: RecoveryPush.Result?) -> String {
        guard let plan = outcome.plan else {
            return (["\(outcome.destination) already holds what recover would restore: nothing to do"] + pushLines(push))
                .joined(separator: "\n")
        }
        let verb = outcome.applied ? (plan.mode == .replay ? "replayed onto" : "restored") : "would " + (plan.mode == .replay ? "replay onto" : "restore")
        var lines = [
            "\(verb) \(plan.destination): \(plan.from?.short ?? "(absent)") -> \(palette.yellow(plan.to.short))",
            palette.dim("  from \(plan.basis)"),
        ]
        if !plan.comesBack.isEmpty {
            lines.append(palette.green("  comes back (\(plan.comesBack.count)):"))
            lines += plan.comesBack.prefix(20).map { "    \(palette.yellow($0.id.short)) \($0.summary)  (\($0.authorName))" }
            if plan.comesBack.count > 20 { lines.append("    … and \(plan.comesBack.count - 20) more") }
        }
        if !plan.skipped.isEmpty {
            lines.append("  not replayed (merges, or already on \(plan.source)) (\(plan.skipped.count)):")
            lines += plan.skipped.prefix(20).map { "    \($0.id.short) \($0.summary)" }
        }
        if !plan.leaves.isEmpty {
            let kept = outcome.pin.map { "kept by \($0)" }
                ?? (outcome.applied ? "" : "a pin would keep them (\(plan.from.map(Pins.name(for:)) ?? ""))")
            lines.append(palette.red("  leaves the branch (\(plan.leaves.count)), \(kept):"))
            lines += plan.leaves.prefix(20).map { "    \(palette.yellow($0.id.short)) \($0.summary)  (\($0.authorName))" }
            if plan.leaves.count > 20 { lines.append("    … and \(plan.leaves.count - 20) more") }
        }
        if plan.updatesWorkingTree { lines.append("  the index and working tree \(outcome.applied ? "were" : "would be") updated too") }
        if outcome.applied {
            lines.append("recorded as event #\(outcome.eventID ?? 0)" + (outcome.pin.map { "; the previous value is pinned as \($0)" } ?? ""))
        } else {
            lines.append("nothing changed (--dry-run)")
        }
        return (lines + pushLines(push)).joined(separator: "\n")
    }

    private func pushLines(_ push: RecoveryPush.Result?) -> [String] {
        guard let push else { return [] }
        let expected = push.expected?.short ?? "absent"
        if push.upToDate { return [palette.green("\(push.remote) already has \(push.ref) at that commit: nothing to push")] }
        if push.pushed { return [palette.green("pushed to \(push.remote) (lease: \(push.ref) was \(expected) there)")] }
        let stale = push.detail.contains("stale info") || push.detail.contains("fetch first")
        return [palette.red("push to \(push.remote) failed: "
            + (stale ? "\(push.ref) is no longer \(expected) there, someone pushed meanwhile" : push.detail) + "; "
            + "nothing was overwritten there. git fetch \(push.remote), git refuge check, then push again")]
    }

    public func pruned(_ pins: [Pins.Pin], dryRun: Bool) -> String {
        guard !pins.isEmpty else { return "no pins older than that" }
        var lines = pins.map {
            "\(dryRun ? "would remove" : "removed") \($0.name)  (\($0.record.reason), "
                + "made \(Timestamp.short($0.record.createdAt))\($0.record.sourceRef.map { ", from \($0)" } ?? ""))"
        }
        lines.append(dryRun ? "nothing changed (--dry-run)" : "\(pins.count) pin(s) removed; gc may now delete what only they kept")
        return lines.joined(separator: "\n")
    }
}
extension RecoveryText {
    /// `forget`: each pin removed and what it kept, what gc may now delete, and the purge that follows.
    public func forgotten(_ outcome: Forgetting.Outcome, dryRun: Bool) -> String {
        var lines: [String] = outcome.removed.map { entry in
            "\(dryRun ? "would remove" : "removed") \(entry.pin.name)  (\(entry.pin.record.reason), made "
                + "\(Timestamp.short(entry.pin.record.createdAt))\(entry.pin.record.sourceRef.map { ", from \($0)" } ?? "")): "
                + "keeps \(entry.keeps.map(\.short).joined(separator: ", "))"
        }
        guard !outcome.removed.isEmpty else { return lines.joined(separator: "\n") }
        if outcome.released.isEmpty {
            lines.append("nothing is released: refs outside Refuge still reach every commit these pins kept")
        } else {
            lines.append("\(dryRun ? "would release" : "released") \(outcome.released.count) commit(s) that only these pins kept:")
            lines += outcome.released.prefix(20).map { "  \(palette.yellow($0.id.short)) \($0.summary)  (\($0.authorName))" }
            if outcome.released.count > 20 { lines.append("  … and \(outcome.released.count - 20) more") }
        }
        lines.append(dryRun
            ? "nothing changed (--dry-run)"
            : palette.dim("to delete them now: git reflog expire --expire=now --all && git gc --prune=now"))
        return lines.joined(separator: "\n")
    }
}
