import Foundation
import GitKit

/// pre-receive on a server: applies `ServerPolicy` to a push and records what it refuses. It runs in
/// quarantine (the pushed objects are readable, no ref may be written), so the refusals go to the spool,
/// as an `R` block in receive-pack's file, like the other hooks' records.
public enum PolicyCheck {
    public struct Outcome: Sendable {
        public var messages: [String] = []
        public var refuse = false
    }

    public static func run(input: String, repository: Repository, environment: [String: String], gitProcess: Int32)
        -> Outcome
    {
        var outcome = Outcome()
        let parsed = ReceiveLine.parse(input, hook: .preReceive)
        outcome.messages += parsed.malformed.map { "refuge: warning: \($0)" }
        let variables = ["GL_USER", "REMOTE_USER", "GIT_PUSH_CERT_SIGNER"].compactMap { key in
            environment[key].flatMap { $0.isEmpty || $0.contains("\n") ? nil : (key, $0) }
        }
        let pusher = variables.first?.1 ?? Identity.accountName(uid: geteuid())
        let refusals: [ServerPolicy.Refusal]
        do {
            refusals = try ServerPolicy.load(from: repository).refusals(of: parsed.lines, pusher: pusher, repository: repository)
        } catch {
            outcome.messages.append("refuge: warning: cannot apply refuge.protect: \(error); the push is not checked")
            return outcome
        }
        guard !refusals.isEmpty else { return outcome }
        outcome.refuse = true
        for refusal in refusals {
            outcome.messages.append("refuge: refused: \(refusal.reason)")
            let count = refusal.classification.dropped.map(String.init) ?? "unknown"
            outcome.messages.append("refuge:   it would drop \(count) commit(s):")
            for commit in refusal.dropped {
                outcome.messages.append("refuge:     \(commit.id.short) \(commit.authorName) <\(commit.authorEmail)>  \(commit.summary)")
            }
        }
        outcome.messages.append("refuge: integrate them first (git pull --rebase), or ask an admin in refuge.allowForce")
        var block = "R \(uptimeStamp())\n"
        for (key, value) in variables { block += "=env \(key)=\(value)\n" }
        for refusal in refusals {
            let update = refusal.update
            // Classified now: a refused push's quarantined objects are deleted before any drain could read them.
            block += "=kind \(update.ref) \(refusal.classification.kind.rawValue)\n"
            block += "=dropped \(update.ref) \(refusal.classification.dropped.map(String.init) ?? "unknown")\n"
            block += "=reason \(update.ref) \(refusal.reason)\n"
            block += "\(update.old?.hex ?? zeroHex) \(update.new?.hex ?? zeroHex) \(update.ref)\n"
        }
        block += ".\n"
        let spool = AuditLocation.spoolDirectory(commonDirectory: repository.commonDirectory)
        if !append(block, to: "\(spool)/rt.\(gitProcess)") {
            outcome.messages.append("refuge: warning: cannot write to \(spool); this refusal is not in the audit log")
        }
        return outcome
    }

    static let zeroHex = String(repeating: "0", count: ObjectID.hexLength)

    private static func uptimeStamp() -> String {
        let text = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8)) ?? "-"
        return String(text.split(separator: " ").first ?? "-")
    }

    /// One write with O_APPEND, as the shims append: blocks of concurrent writers never interleave.
    private static func append(_ text: String, to path: String) -> Bool {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } == bytes.count
    }
}
