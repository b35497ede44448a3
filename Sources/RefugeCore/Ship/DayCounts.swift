import Foundation
import PGKit

/// The daily counts (`event_day`) of a batch, counted as it is prepared, for a batch COPY stores whole
/// (Shipper's direct path): the rows were not read back from PostgreSQL to count them. The same grouping
/// as the counts of the other path, which PostgreSQL makes from the rows it inserted.
struct DayCounts: Sendable {
    private struct Key: Hashable, Sendable {
        let repository: [UInt8], day: [UInt8], kind: [UInt8], side: [UInt8], status: [UInt8], hook: [UInt8]
        let bookkeeping: Bool
    }

    private var counts: [Key: Int] = [:]
    /// Whether each ref seen is bookkeeping (RefRole): a batch has few refs, and thousands of rows.
    private var bookkeeping: [[UInt8]: Bool] = [:]

    private static let repository = AuditChain.columns.firstIndex(of: "repository")!, kind = AuditChain.columns.firstIndex(of: "kind")!,
        side = AuditChain.columns.firstIndex(of: "side")!, status = AuditChain.columns.firstIndex(of: "status")!,
        hook = AuditChain.columns.firstIndex(of: "hook")!, ref = AuditChain.columns.firstIndex(of: "ref")!

    /// Counts one row: its chained values, and the UTC day of its time (`YYYY-MM-DD`).
    mutating func add(_ chained: [AuditChain.Value], day: [UInt8]) {
        func text(_ column: Int) -> [UInt8] {
            if case .text(let bytes) = chained[column] { return bytes }
            return []
        }
        let ref = text(Self.ref)
        let isBookkeeping: Bool
        if let known = bookkeeping[ref] {
            isBookkeeping = known
        } else {
            isBookkeeping = RefRole(ref: String(decoding: ref, as: UTF8.self)).isBookkeeping
            bookkeeping[ref] = isBookkeeping
        }
        let key = Key(repository: text(Self.repository), day: day, kind: text(Self.kind), side: text(Self.side),
                      status: text(Self.status), hook: text(Self.hook), bookkeeping: isBookkeeping)
        // Rows come in runs of one key (a repository's day of pushes): comparing with the last key is
        // cheaper than hashing six values for every row.
        if let last, last.key == key {
            self.last = (key, last.count + 1)
        } else {
            flush()
            self.last = (key, 1)
        }
    }

    /// The run being counted: its key and how many rows so far.
    private var last: (key: Key, count: Int)?

    private mutating func flush() {
        if let last { counts[last.key, default: 0] += last.count }
        last = nil
    }

    /// Adds the counts to `event_day` for the source whose key is `sourceKey`: one statement per `groupsPerStatement` groups, each
    /// within PostgreSQL's 65,535 parameters of a statement (a large `--batch` of a server-wide log can
    /// have a group per row).
    func store(sourceKey: Int64, _ connection: Connection) throws {
        var all = self
        all.flush()
        let groups = Array(all.counts)
        for start in stride(from: 0, to: groups.count, by: Self.groupsPerStatement) {
            var parameters: [String?] = [String(sourceKey)], rows: [String] = []
            for (key, count) in groups[start..<min(start + Self.groupsPerStatement, groups.count)] {
                let base = parameters.count
                parameters += [key.repository, key.day, key.kind, key.side, key.status, key.hook].map { String(decoding: $0, as: UTF8.self) }
                parameters += [key.bookkeeping ? "true" : "false", String(count)]
                rows.append("($1::integer, $\(base + 1), $\(base + 2)::date, $\(base + 3), $\(base + 4), $\(base + 5), $\(base + 6), "
                            + "$\(base + 7)::boolean, $\(base + 8)::bigint)")
            }
            try connection.execute("""
                INSERT INTO event_day AS d (source_key, repository_path, day, kind, side, status, hook, bookkeeping, count)
                VALUES \(rows.joined(separator: ", "))
                ON CONFLICT (source_key, repository_path, day, kind, side, status, hook, bookkeeping) DO UPDATE SET count = d.count + EXCLUDED.count
                """, parameters, operation: "counting the batch's events by day")
        }
    }

    /// Groups per statement: 8 parameters each, and the source.
    static let groupsPerStatement = 5_000
}
