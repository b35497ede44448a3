import Foundation
import PGKit

/// `git refuge status --central`: the central store's sources, how far each has shipped, and what the
/// last `verify --central` found of its chain.
public struct CentralStatus: Sendable {
    public struct Source: Sendable {
        public let source: String
        public let host: String
        public let databasePath: String
        /// The PostgreSQL role that registered the source (the only one that may advance it).
        public let shipper: String
        public let lastSeq: Int64
        public let lastShippedAt: Date?
        /// The last `verify --central`: up to which event the chain held, when, and what broke it.
        public let verifiedSeq: Int64?
        public let verifiedAt: Date?
        public let chainProblem: String?
    }

    public let sources: [Source]
    /// When this runs where a shipped log is: its source and how many of its events have not shipped yet.
    public var local: (source: String, head: Int64, unshipped: Int64)?

    public static func read(_ connection: Connection, local store: AuditStore?) throws -> CentralStatus {
        try CentralSchema.check(connection)
        let rows = try connection.execute("""
            SELECT id, host, database_path, shipper, last_seq, (extract(epoch FROM last_shipped_at) * 1000)::bigint AS shipped_ms,
                   verified_seq, (extract(epoch FROM verified_at) * 1000)::bigint AS verified_ms, chain_problem
            FROM source ORDER BY host, database_path, id
            """, operation: "reading the central store's sources")
        func date(_ text: String?) -> Date? { text.flatMap { Int64($0) }.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        let sources = (0..<rows.count).map { index in
            Source(source: rows[index, "id"] ?? "", host: rows[index, "host"] ?? "", databasePath: rows[index, "database_path"] ?? "",
                   shipper: rows[index, "shipper"] ?? "", lastSeq: Int64(rows[index, "last_seq"] ?? "0") ?? 0,
                   lastShippedAt: date(rows[index, "shipped_ms"]), verifiedSeq: rows[index, "verified_seq"].flatMap { Int64($0) },
                   verifiedAt: date(rows[index, "verified_ms"]), chainProblem: rows[index, "chain_problem"])
        }
        var status = CentralStatus(sources: sources)
        if let store {
            let source = try store.sourceID()
            let head = try store.headID()
            let shipped = sources.first { $0.source == source }?.lastSeq ?? 0
            status.local = (source, head, max(0, head - shipped))
        }
        return status
    }
}
