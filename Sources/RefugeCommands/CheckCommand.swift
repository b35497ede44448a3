import ArgumentParser
import Foundation
import GitKit
import RefugeCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Before a force push: what it would drop, and what you never integrated.",
        discussion: """
            Compares the branch with its remote-tracking ref: ahead/behind, when the remote-tracking ref last \
            moved and how, and the remote commits a force push now would drop, each for what it is: \
            never integrated (the branch never had it: fetched in the background, never merged), rewritten \
            (what you push holds a copy with the same patch), or discarded (the branch had it, what you push \
            has no copy). Never-integrated commits, and discarded ones that are someone else's (another \
            author, or brought in by a pull or a merge), are at risk: check exits 1 when there are any, so \
            that this works:
              git refuge check && git push --force-with-lease
            Discarding your own commits passes, with one line saying so.
            """)

    @Argument(help: "The branch (default: the checked-out one).")
    var branch: String?

    @Option(help: "The remote to compare with (default: the branch's upstream remote).")
    var remote: String?

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let check = try reportingFailures {
            let session = try AuditSession(path: nil, environment: environment)
            session.drainReport.warnings.forEach { printError("warning: \($0)") }
            return try ForcePushCheck.run(repository: session.repository, store: session.store, branch: branch, remote: remote)
        }
        if json {
            print(try JSONOutput.render(CheckJSON(check: check)))
        } else {
            print(Self.text(check, palette: .forStandardOutput(environment: environment)))
        }
        if !check.safeToForce { throw ExitCode.failure }
    }

    static func text(_ check: ForcePushCheck, palette: Palette) -> String {
        let branch = String(check.branch.dropFirst("refs/heads/".count))
        let tracking = check.trackingRef.replacingOccurrences(of: "refs/remotes/", with: "")
        var lines = ["\(branch) against \(tracking): \(check.ahead) ahead, \(check.behind) behind"]
        if let moved = check.lastMoved {
            lines.append("\(tracking) last moved \(Self.ago(moved.time)) (\(moved.detail))")
        }
        if check.wouldDrop.isEmpty {
            lines.append(palette.green("a force push now would drop nothing"))
            return lines.joined(separator: "\n")
        }
        lines.append("a force push now would drop \(check.wouldDrop.count) commit(s) from \(tracking):")
        for commit in check.wouldDrop {
            let note: String
            switch check.verdicts[commit.id] {
            case .neverIntegrated?, nil: note = palette.red("never integrated")
            case .rewritten(let copy)?: note = palette.dim("rewritten as \(copy.short)")
            case .discarded(let others)?: note = others ? palette.red("someone else's, discarded") : palette.dim("yours, discarded")
            }
            lines.append("  \(palette.yellow(commit.id.short)) \(Timestamp.short(commit.authorTime)) "
                + "\(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)  \(note)")
        }
        let own = check.discardedOwn
        if !own.isEmpty {
            lines.append("\(own.count) commit(s) of your own would be discarded (no copy in what you push): your call")
        }
        if check.safeToForce {
            lines.append("none of them is someone else's work: a force push loses no one's work")
        } else {
            let never = check.neverIntegrated.count
            let discarded = check.atRisk.count - never
            var what: [String] = []
            if never > 0 { what.append("\(never) that \(branch) never had") }
            if discarded > 0 { what.append("\(discarded) that \(branch) had and discarded") }
            let kinds = what.joined(separator: ", ")
            lines.append(palette.bold("\(check.atRisk.count) commit(s) are someone else's work: \(kinds)."))
            lines.append("safe next steps: git rebase \(tracking) (or git merge \(tracking)), then push"
                + (discarded > 0 ? "" : "; or git push --force-with-lease --force-if-includes"))
        }
        return lines.joined(separator: "\n")
    }

    static func ago(_ date: Date) -> String { Timestamp.ago(date) }
}

struct CheckJSON: Encodable {
    let check: ForcePushCheck

    struct Commit: Encodable {
        let oid: ObjectID, author: String, time: String, summary: String
        let neverIntegrated: Bool
        let verdict: String
        let atRisk: Bool
        let copy: ObjectID?
        enum CodingKeys: String, CodingKey {
            case oid, author, time, summary, neverIntegrated = "never_integrated", verdict, atRisk = "at_risk", copy
        }
    }

    struct Moved: Encodable {
        let time: String, how: String, detail: String
    }

    enum Key: String, CodingKey {
        case branch, trackingRef = "tracking_ref", local, remote, ahead, behind
        case wouldDrop = "would_drop", safeToForce = "safe_to_force", lastMoved = "last_moved"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        let never = Set(check.neverIntegrated.map(\.id))
        try container.encode(check.branch, forKey: .branch)
        try container.encode(check.trackingRef, forKey: .trackingRef)
        try container.encode(check.local, forKey: .local)
        try container.encode(check.remote, forKey: .remote)
        try container.encode(check.ahead, forKey: .ahead)
        try container.encode(check.behind, forKey: .behind)
        try container.encode(check.safeToForce, forKey: .safeToForce)
        try container.encode(check.lastMoved.map {
            Moved(time: Timestamp.iso($0.time), how: $0.how, detail: $0.detail)
        }, forKey: .lastMoved)
        try container.encode(check.wouldDrop.map { commit -> Commit in
            let verdict = check.verdicts[commit.id] ?? .neverIntegrated
            var copy: ObjectID?
            if case .rewritten(let id) = verdict { copy = id }
            return Commit(oid: commit.id, author: "\(commit.authorName) <\(commit.authorEmail)>", time: Timestamp.iso(commit.authorTime),
                          summary: commit.summary, neverIntegrated: never.contains(commit.id), verdict: verdict.name,
                          atRisk: verdict.atRisk, copy: copy)
        }, forKey: .wouldDrop)
    }
}
