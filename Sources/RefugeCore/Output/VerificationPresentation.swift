import Foundation

/// `verify --json`.
public struct VerificationJSON: Encodable {
    let result: ChainVerification
    public init(_ result: ChainVerification) { self.result = result }

    enum Key: String, CodingKey {
        case intact, events, head, firstBreak = "first_break", integrity, anchorFound = "anchor_found"
        case eventsAfterAnchor = "events_after_anchor", format, spoolWaiting = "spool_waiting"
    }

    struct Break: Encodable { let event: Int64; let problem: String }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(result.intact, forKey: .intact)
        try container.encode(result.events, forKey: .events)
        try container.encode(result.head, forKey: .head)
        try container.encode(result.firstBreak.map { Break(event: $0.eventID, problem: $0.problem) }, forKey: .firstBreak)
        try container.encode(result.integrity, forKey: .integrity)
        try container.encode(result.anchorFound, forKey: .anchorFound)
        try container.encode(result.rowsAfterAnchor, forKey: .eventsAfterAnchor)
        try container.encode(AuditChain.format, forKey: .format)
        try container.encode(result.spoolWaiting, forKey: .spoolWaiting)
    }
}

public struct VerificationText {
    let palette: Palette
    public init(palette: Palette) { self.palette = palette }

    public func text(_ result: ChainVerification) -> String {
        var lines: [String] = []
        if let problem = result.firstBreak {
            lines.append(palette.red("chain broken at event #\(problem.eventID): \(problem.problem)"))
        } else {
            lines.append(palette.green("chain intact: \(result.events) event(s)"))
        }
        if result.integrity != ["ok"] {
            lines.append(palette.red("SQLite integrity check failed: \(result.integrity.prefix(3).joined(separator: "; "))"))
        }
        switch result.anchorFound {
        case true?: lines.append("the log extends the anchor: \(result.rowsAfterAnchor ?? 0) event(s) after it")
        case false?: lines.append(palette.red("the anchor is not in the log: the log was rewritten, or it is another log"))
        case nil: break
        }
        if let waiting = result.spoolWaiting, waiting > 0 {
            lines.append(palette.yellow("\(waiting) spool file(s) still wait to be recorded (a git process is running, or "
                + "the log cannot be written): the chain does not cover them yet; git refuge status says more"))
        }
        lines.append("head \(result.head)")
        return lines.joined(separator: "\n")
    }
}
