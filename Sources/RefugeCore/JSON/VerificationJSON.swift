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
