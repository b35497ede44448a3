import Foundation
import PGKit

/// What `git refuge verify --central` found: every source's chain recomputed from the central rows and
/// checked against the mark the source last shipped (Docs/Fleet.md says what that proves).
public struct CentralVerification: Sendable {
    public struct SourceCheck: Sendable {
        public let source: String
        public let host: String
        public let databasePath: String
        /// Central rows read for this source.
        public let events: Int
        /// The last shipped event and its hash, as the source's mark holds them.
        public let lastSeq: Int64
        public let lastHash: String
        /// The hash the recomputed chain ends at.
        public let head: String
        public let firstBreak: ChainVerification.Break?
        public var intact: Bool { firstBreak == nil }
    }

    public let sources: [SourceCheck]
    public var intact: Bool { sources.allSatisfy(\.intact) }

    /// Recomputes the chain of every source (or of `only`), a cursor at a time, and records the outcome
    /// on each source's row for `status --central` where the role may (a read-only role just reads).
    public static func run(_ connection: Connection, only: String? = nil, now: Date = Date()) throws -> CentralVerification {
        try CentralSchema.check(connection)
        let rows = try connection.execute("""
            SELECT id, key, host, database_path, last_seq, last_hash, boundary_seq, boundary_hash FROM source
            \(only == nil ? "" : "WHERE id = $1") ORDER BY host, database_path, id
            """, only.map { [$0] } ?? [], operation: "reading the central store's sources")
        var checks: [SourceCheck] = []
        for index in 0..<rows.count {
            let check = try verify(rows, index, connection)
            checks.append(check)
            _ = try? connection.execute("""
                UPDATE source SET verified_seq = $2, verified_at = $3::timestamptz, chain_problem = $4 WHERE id = $1
                """, [check.source, String(check.firstBreak == nil ? check.lastSeq : (check.firstBreak!.eventID - 1)),
                      Timestamp.iso(now), check.firstBreak.map { "event #\($0.eventID): \($0.problem)" }],
                operation: "recording the verification of \(check.source)")
        }
        return CentralVerification(sources: checks)
    }

    private static func verify(_ sources: Connection.Rows, _ index: Int, _ connection: Connection) throws -> SourceCheck {
        let source = sources[index, "id"] ?? ""
        let boundary = Int64(sources[index, "boundary_seq"] ?? "0") ?? 0
        let lastSeq = Int64(sources[index, "last_seq"] ?? "0") ?? 0, lastHash = sources[index, "last_hash"] ?? ""
        var previous = boundary > 0 ? sources[index, "boundary_hash"] ?? "" : AuditChain.genesis
        var expected = boundary + 1
        var count = 0
        var firstBreak: ChainVerification.Break?
        // A cursor, a batch at a time: a source holds millions of rows.
        try connection.transaction("verifying the source \(source)") {
            try connection.execute("""
                DECLARE chain NO SCROLL CURSOR FOR SELECT \(CentralChain.selection) FROM event WHERE source_key = $1 ORDER BY seq
                """, [sources[index, "key"]], operation: "reading the events of \(source)")
            while firstBreak == nil {
                let batch = try connection.execute("FETCH 10000 FROM chain", operation: "reading the events of \(source)")
                guard batch.count > 0 else { break }
                for row in 0..<batch.count {
                    count += 1
                    let seq = Int64(batch[row, "seq"] ?? "0") ?? 0
                    let stored = batch[row, "hash"] ?? ""
                    if seq != expected {
                        firstBreak = .init(eventID: expected, problem: seq > expected
                            ? "it is missing from the central store (deleted there)" : "it is in the central store twice")
                    } else if AuditChain.hash(of: CentralChain.values(batch, row), previous: previous) != stored {
                        firstBreak = .init(eventID: seq, problem: "its central row does not match its hash (edited in the central store)")
                    }
                    if firstBreak != nil { break }
                    previous = stored
                    expected += 1
                }
            }
            try connection.execute("CLOSE chain", operation: "reading the events of \(source)")
        }
        if firstBreak == nil, expected - 1 != lastSeq || previous != lastHash {
            firstBreak = .init(eventID: expected - 1 < lastSeq ? expected : lastSeq, problem: expected - 1 < lastSeq
                ? "the source shipped up to #\(lastSeq), the central rows end at #\(expected - 1) (deleted there)"
                : "the central rows go past the source's mark #\(lastSeq), or end at another hash")
        }
        return SourceCheck(source: source, host: sources[index, "host"] ?? "", databasePath: sources[index, "database_path"] ?? "",
                           events: count, lastSeq: lastSeq, lastHash: lastHash, head: previous, firstBreak: firstBreak)
    }
}

/// Automatic anchoring: the local log, checked against the head the central store holds for it. A server
/// whose log was rewritten after it shipped is caught here even when the rewrite re-sealed the chain.
public struct CentralAnchor: Sendable {
    public let source: String
    /// The event and hash the central store last received from this log (nil: it never shipped).
    public let seq: Int64?
    public let hash: String?

    public static func read(source: String, _ connection: Connection) throws -> CentralAnchor {
        try CentralSchema.check(connection)
        let rows = try connection.execute("SELECT last_seq, last_hash FROM source WHERE id = $1", [source],
                                          operation: "reading what the central store holds of this log")
        guard rows.count == 1, let seq = rows[0, "last_seq"].flatMap({ Int64($0) }), seq > 0 else {
            return CentralAnchor(source: source, seq: nil, hash: nil)
        }
        return CentralAnchor(source: source, seq: seq, hash: rows[0, "last_hash"])
    }
}
