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
            moved and how, and the remote commits a force push now would drop. Those the branch never had \
            (no entry of its reflog reaches them: fetched in the background, never merged) are someone \
            else's work. Exits 1 when there are any, so that this works:
              git refuge check && git push --force-with-lease
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
        let never = Set(check.neverIntegrated.map(\.id))
        lines.append("a force push now would drop \(check.wouldDrop.count) commit(s) from \(tracking):")
        for commit in check.wouldDrop {
            let note = never.contains(commit.id) ? palette.red("never integrated") : palette.dim("you had it before")
            lines.append("  \(palette.yellow(commit.id.short)) \(Timestamp.short(commit.authorTime)) "
                + "\(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)  \(note)")
        }
        if check.safeToForce {
            lines.append("every one of them was once on \(branch) (you rewrote them): a force push loses no one's work")
        } else {
            lines.append(palette.bold("\(check.neverIntegrated.count) commit(s) are someone else's work that \(branch) never had."))
            lines.append("safe next steps: git rebase \(tracking) (or git merge \(tracking)), then push; "
                + "or git push --force-with-lease --force-if-includes")
        }
        return lines.joined(separator: "\n")
    }

    static func ago(_ date: Date) -> String {
        let seconds = Int(Date().timeIntervalSince(date))
        switch seconds {
        case ..<60: return "\(max(seconds, 0)) seconds ago"
        case ..<3_600: return "\(seconds / 60) minutes ago"
        case ..<86_400: return "\(seconds / 3_600) hours ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }
}

struct CheckJSON: Encodable {
    let check: ForcePushCheck

    struct Commit: Encodable {
        let oid: ObjectID, author: String, time: String, summary: String
        let neverIntegrated: Bool
        enum CodingKeys: String, CodingKey { case oid, author, time, summary, neverIntegrated = "never_integrated" }
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
        try container.encode(check.wouldDrop.map {
            Commit(oid: $0.id, author: "\($0.authorName) <\($0.authorEmail)>", time: Timestamp.iso($0.authorTime),
                   summary: $0.summary, neverIntegrated: never.contains($0.id))
        }, forKey: .wouldDrop)
    }
}
