import Foundation
import PGKit

/// Ships a local log into the central store, exactly once (Docs/Fleet.md).
///
/// Each batch is one PostgreSQL transaction: lock the source's row (`FOR UPDATE NOWAIT`: a second shipper
/// of the same log is told "busy", never duplicates), read its high-water mark (last shipped id and
/// hash), read the local rows after it, checking that they chain from that hash, insert them
/// (idempotently: a resent row changes nothing), and advance the mark, all committed together. A ship
/// that dies anywhere leaves the mark where its last commit put it; the next one continues from there.
/// Nothing here runs on the push path: hooks only ever write the local spool.
public struct Shipper {
    let store: AuditStore
    let connection: Connection
    /// Where this log is, as the central store records its source: host name and database path.
    let host: String
    let databasePath: String

    public init(store: AuditStore, connection: Connection, host: String = ProcessInfo.processInfo.hostName) {
        self.store = store
        self.connection = connection
        self.host = host
        databasePath = store.location.databasePath
    }

    public struct Outcome: Sendable {
        public var source = ""
        public var shipped = 0
        public var batches = 0
        /// The central store's high-water mark after the ship: the last event shipped and its hash.
        public var lastSeq: Int64 = 0
        public var lastHash = AuditChain.genesis
    }

    /// How a source that was shipped from another host or path is treated.
    public enum Relocation: Sendable {
        /// Refused: a copied log must not ship as the same source by accident.
        case refuse
        /// The same log, moved: the central store records where it is now.
        case moved
    }

    /// Ships every sealed event not in the central store yet, `batch` at a time.
    public func ship(batch: Int = 5_000, relocation: Relocation = .refuse) throws -> Outcome {
        try CentralSchema.check(connection)
        var outcome = Outcome()
        outcome.source = try store.sourceID()
        var touched = Set<String>()
        while true {
            let shipped = try connection.transaction("shipping events of \(databasePath)") { () throws -> Int in
                let (lastSeq, lastHash) = try lockSource(outcome.source, relocation: relocation)
                let rows = try store.shippable(after: lastSeq, head: lastHash, limit: batch)
                (outcome.lastSeq, outcome.lastHash) = (lastSeq, lastHash)
                guard let last = rows.last else { return 0 }
                let lastID = last.id
                try insert(rows, source: outcome.source)
                touched.formUnion(rows.map(\.repository))
                try connection.execute("""
                    UPDATE source SET last_seq = $2, last_hash = $3, last_shipped_at = now(), first_seq = coalesce(first_seq, $4)
                    WHERE id = $1
                    """, [outcome.source, String(lastID), last.hash, String(rows[0].id)],
                    operation: "advancing the central store's mark for \(databasePath)")
                (outcome.lastSeq, outcome.lastHash) = (lastID, last.hash)
                return rows.count
            }
            guard shipped > 0 else { break }
            outcome.shipped += shipped
            outcome.batches += 1
        }
        // After the events, never instead of them: a failure here leaves every event shipped.
        try DroppedCommitShipping(store: store, connection: connection, source: outcome.source).refresh(touched: touched)
        return outcome
    }

    /// The source's row, locked for this transaction, made the first time; its mark.
    private func lockSource(_ source: String, relocation: Relocation) throws -> (Int64, String) {
        try connection.execute("""
            INSERT INTO source (id, host, database_path, last_hash) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING
            """, [source, host, databasePath, AuditChain.genesis], operation: "registering the source \(source)")
        let rows: Connection.Rows
        do {
            rows = try connection.execute("SELECT last_seq, last_hash, host, database_path FROM source WHERE id = $1 FOR UPDATE NOWAIT",
                                          [source], operation: "locking the source \(source)")
        } catch let error as PGError where error.isLockNotAvailable {
            throw CentralStoreError.busy(source: source)
        }
        guard rows.count == 1 else {
            // Row-level security hides another role's source from FOR UPDATE (CentralSchema v2).
            let owner = try connection.execute("SELECT shipper FROM source WHERE id = $1", [source], operation: "reading the source \(source)")
            throw CentralStoreError.notYourSource(source: source, shipper: owner.count > 0 ? owner[0, "shipper"] ?? "?" : "?")
        }
        let shippedFrom = "\(rows[0, "host"] ?? "?"):\(rows[0, "database_path"] ?? "?")"
        if shippedFrom != "\(host):\(databasePath)" {
            guard relocation == .moved else {
                throw CentralStoreError.copiedLog(source: source, shippedFrom: shippedFrom, here: "\(host):\(databasePath)")
            }
            try connection.execute("UPDATE source SET host = $2, database_path = $3 WHERE id = $1", [source, host, databasePath],
                                   operation: "recording where the source \(source) is now")
        }
        return (Int64(rows[0, "last_seq"] ?? "0") ?? 0, rows[0, "last_hash"] ?? AuditChain.genesis)
    }

    /// The COPY columns, in the order CentralChain.appendCopyLine writes them.
    static let columns = ["source", "repository_identity", "hash", "time", "stored_time"] + CentralChain.centralColumns.filter { $0 != "time" }

    /// COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING: COPY is the fast path, and
    /// has no ON CONFLICT of its own. Each row is sent as the values its hash covers (CentralChain).
    private func insert(_ rows: [AuditStore.ShippableEvent], source: String) throws {
        var months = Set<String>()
        for row in rows where months.insert(String(EventStorage.storedText(row.time).prefix(7))).inserted {
            try CentralSchema.ensurePartition(for: row.time, connection)
        }
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS shipping (LIKE event) ON COMMIT DELETE ROWS",
                               operation: "preparing the batch")
        var text: [UInt8] = []
        text.reserveCapacity(rows.count * 400)
        for row in rows {
            do {
                try CentralChain.appendCopyLine([source, row.repositoryIdentity, row.hash], chained: row.chained, time: row.time, to: &text)
            } catch let unrepresentable as CentralChain.Unrepresentable {
                throw CentralStoreError.unrepresentable(eventID: row.id, column: unrepresentable.column)
            }
        }
        try connection.copy(into: "shipping", columns: Self.columns, bytes: text, operation: "sending \(rows.count) event(s)")
        // The daily counts from the rows really inserted (RETURNING): a batch sent again counts nothing twice.
        try connection.execute("""
            WITH inserted AS (
                INSERT INTO event SELECT * FROM shipping ON CONFLICT DO NOTHING
                RETURNING source, repository_path, time, kind, side, status, hook, ref)
            INSERT INTO event_day AS d (source, repository_path, day, kind, side, status, hook, bookkeeping, count)
            SELECT source, repository_path, (time AT TIME ZONE 'UTC')::date, kind, side, status, hook,
                   \(RefRole.bookkeepingSQL("ref")), count(*)
            FROM inserted GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ON CONFLICT (source, repository_path, day, kind, side, status, hook, bookkeeping) DO UPDATE SET count = d.count + EXCLUDED.count
            """, operation: "storing the batch")
    }
}
