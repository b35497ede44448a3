import Foundation

/// `verify --json`.
public struct VerificationJSON: Encodable, Sendable {
    struct Break: Encodable, Sendable { let event: Int64; let problem: String }

    let intact: Bool
    let events: Int
    let head: String
    @Nullable var firstBreak: Break?
    let integrity: [String]
    @Nullable var anchorFound: Bool?
    @Nullable var eventsAfterAnchor: Int?
    let format: String
    @Nullable var spoolWaiting: Int?

    enum CodingKeys: String, CodingKey {
        case intact, events, head, firstBreak = "first_break", integrity, anchorFound = "anchor_found"
        case eventsAfterAnchor = "events_after_anchor", format, spoolWaiting = "spool_waiting"
    }

    public init(_ result: ChainVerification) {
        (intact, events, head, integrity, format) = (result.intact, result.events, result.head, result.integrity, AuditChain.format)
        firstBreak = result.firstBreak.map { Break(event: $0.eventID, problem: $0.problem) }
        (anchorFound, eventsAfterAnchor, spoolWaiting) = (result.anchorFound, result.rowsAfterAnchor, result.spoolWaiting)
    }
}
