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
    /// With a central store configured: the head it holds for this log, and whether the log extends it.
    @Nullable var central: Central?
    @Nullable var centralWarning: String?

    struct Central: Encodable, Sendable {
        let source: String
        @Nullable var seq: Int64?
        @Nullable var hash: String?
        let extends: Bool
        @Nullable var problem: String?
    }

    enum CodingKeys: String, CodingKey {
        case intact, events, head, firstBreak = "first_break", integrity, anchorFound = "anchor_found"
        case eventsAfterAnchor = "events_after_anchor", format, spoolWaiting = "spool_waiting", central
        case centralWarning = "central_warning"
    }

    public init(_ result: ChainVerification) {
        (intact, events, head, integrity, format) = (result.intact, result.events, result.head, result.integrity, AuditChain.format)
        firstBreak = result.firstBreak.map { Break(event: $0.eventID, problem: $0.problem) }
        (anchorFound, eventsAfterAnchor, spoolWaiting) = (result.anchorFound, result.rowsAfterAnchor, result.spoolWaiting)
        central = result.central.map { Central(source: $0.source, seq: $0.seq, hash: $0.hash, extends: $0.problem == nil, problem: $0.problem) }
        centralWarning = result.centralWarning
    }
}

/// `git refuge verify --central --json`.
public struct CentralVerificationJSON: Encodable, Sendable {
    struct Source: Encodable, Sendable {
        let source, host, databasePath: String
        let events: Int
        let lastSeq: Int64
        let lastHash, head: String
        let intact: Bool
        @Nullable var firstBreak: VerificationJSON.Break?

        enum CodingKeys: String, CodingKey {
            case source, host, databasePath = "database_path", events, lastSeq = "last_seq", lastHash = "last_hash", head, intact
            case firstBreak = "first_break"
        }
    }

    let intact: Bool
    let sources: [Source]
    let format: String

    public init(_ result: CentralVerification) {
        (intact, format) = (result.intact, AuditChain.format)
        sources = result.sources.map {
            Source(source: $0.source, host: $0.host, databasePath: $0.databasePath, events: $0.events, lastSeq: $0.lastSeq,
                   lastHash: $0.lastHash, head: $0.head, intact: $0.intact,
                   firstBreak: $0.firstBreak.map { VerificationJSON.Break(event: $0.eventID, problem: $0.problem) })
        }
    }
}
