import Foundation
import GitKit

/// pre-receive on a server: applies `ServerPolicy` to a push and records what it refuses. It runs in
/// quarantine (the pushed objects are readable, no ref may be written), so the refusals go to the spool,
/// as an `R` block in receive-pack's file, like the other hooks' records.
public enum PolicyCheck {
    /// What the check found; the pre-receive command words it for the pusher.
    public struct Outcome: Sendable {
        /// Input lines that did not parse (nothing is checked or recorded from them).
        public var malformed: [MalformedHookLine] = []
        /// Why the policy could not be applied (a bad `refuge.protect`): the push goes ahead unchecked.
        public var policyProblem: String?
        /// The updates refused; any refusal refuses the whole push, as receive-pack does.
        public var refusals: [ServerPolicy.Refusal] = []
        /// The spool directory, when the refusals could not be written into it.
        public var unrecorded: String?

        public var refuse: Bool { !refusals.isEmpty }
    }

    public static func run(input: String, repository: Repository, environment: [String: String], gitProcess: Int32)
        -> Outcome
    {
        var outcome = Outcome()
        let parsed = ReceiveLine.parse(input, hook: .preReceive)
        outcome.malformed = parsed.malformed
        let pusher = Identity.serverPusher(in: environment)
        do {
            outcome.refusals = try ServerPolicy.load(from: repository)
                .refusals(of: parsed.lines, pusher: pusher?.name ?? Identity.accountName(uid: geteuid()), repository: repository)
        } catch {
            outcome.policyProblem = "\(error)"
            return outcome
        }
        guard outcome.refuse else { return outcome }
        let spool = SpoolDirectory(path: AuditLocation.spoolDirectory(commonDirectory: repository.commonDirectory))
        let from = Identity.addressVariables.compactMap { name in
            environment[name].flatMap { $0.isEmpty || $0.contains("\n") ? nil : (name, $0) }
        }.first
        if !spool.append(block(for: outcome.refusals, pusher: pusher, address: from), gitProcess: gitProcess) {
            outcome.unrecorded = spool.path
        }
        return outcome
    }

    /// The `R` block: each refusal classified now, as a refused push's quarantined objects are deleted
    /// before any drain could read them.
    static func block(for refusals: [ServerPolicy.Refusal], pusher: (variable: String, name: String)?,
                      address: (variable: String, value: String)? = nil) -> SpoolBlock {
        var block = SpoolBlock(kind: .rejected, uptime: Uptime.now)
        if let pusher { block.metadata.append("env", "\(pusher.variable)=\(pusher.name)") }
        if let address { block.metadata.append("env", "\(address.variable)=\(address.value)") }
        var lines: [String] = []
        for refusal in refusals {
            let update = refusal.update
            block.metadata.append("kind", "\(update.ref) \(refusal.classification.kind.rawValue)")
            block.metadata.append("dropped", "\(update.ref) \(refusal.classification.dropped.map(String.init) ?? "unknown")")
            block.metadata.append("reason", "\(update.ref) \(refusal.reason.replacingOccurrences(of: "\n", with: " "))")
            lines.append("\(update.old?.hex ?? zeroHex) \(update.new?.hex ?? zeroHex) \(update.ref)")
        }
        block.lines = lines.map { SpoolBlock.Line(number: 0, text: Substring($0)) }
        return block
    }

    static let zeroHex = String(repeating: "0", count: ObjectID.hexLength)
}
