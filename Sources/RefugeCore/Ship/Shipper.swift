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
        let source = outcome.source, direct = try copiesDirectly()
        var touched = Set<String>()
        var key: Int64 = 0  // the source's integer key, as the first lock reads it (every pass locks first)
        // The next batch, read and hashed on a second thread while PostgreSQL stores this one: the log's
        // side and PostgreSQL's side of a large ship take about the same time, and there are two cores.
        var ahead: ReadAhead<Batch>?
        defer { _ = ahead?.result() }  // no read of the log outlives the ship
        while true {
            let shipped = try connection.transaction("shipping events of \(databasePath)") { () throws -> Int in
                let (sourceKey, lastSeq, lastHash) = try lockSource(source, relocation: relocation)
                key = sourceKey
                (outcome.lastSeq, outcome.lastHash) = (lastSeq, lastHash)
                // Read ahead from where the last batch ended: used only if the mark, read under the lock,
                // is still there (another shipper may have moved it since; then the batch is read again).
                let readAhead = ahead
                ahead = nil
                let rows = try readAhead.flatMap { $0.after == (lastSeq, lastHash) ? try $0.result().get() : nil }
                    ?? prepare(after: lastSeq, head: lastHash, limit: batch, sourceKey: sourceKey)
                guard let last = rows.last else { return 0 }
                ahead = ReadAhead(after: (last.id, last.hash)) { [self] in
                    try prepare(after: last.id, head: last.hash, limit: batch, sourceKey: sourceKey)
                }
                try insert(rows, sourceKey: sourceKey, direct: direct)
                touched.formUnion(rows.repositories)
                try connection.execute("""
                    UPDATE source SET last_seq = $2, last_hash = $3, last_shipped_at = now(), first_seq = coalesce(first_seq, $4)
                    WHERE id = $1
                    """, [source, String(last.id), last.hash, String(rows.firstID)],
                    operation: "advancing the central store's mark for \(databasePath)")
                (outcome.lastSeq, outcome.lastHash) = (last.id, last.hash)
                return rows.count
            }
            guard shipped > 0 else { break }
            outcome.shipped += shipped
            outcome.batches += 1
        }
        // After the events, never instead of them: a failure here leaves every event shipped.
        try DroppedCommitShipping(store: store, connection: connection, sourceKey: key).refresh(touched: touched)
        return outcome
    }

    /// A batch as it is sent: its rows in COPY's text format, and what the transaction needs to know of them.
    struct Batch: Sendable {
        var count = 0
        var firstID: Int64 = 0
        var last: (id: Int64, hash: String)?
        var repositories = Set<String>()
        /// A time in each month the batch has events of: the partitions it needs.
        var months: [Date] = []
        var copy: [UInt8] = []
        /// Its daily counts, for when it is stored whole (the direct path).
        var days = DayCounts()
    }

    /// Up to `limit` sealed rows after `cursor`, chained from `head`, made into a batch.
    private func prepare(after cursor: Int64, head: String, limit: Int, sourceKey: Int64) throws -> Batch {
        let rows = try store.shippable(after: cursor, head: head, limit: limit)
        var batch = Batch(count: rows.count, firstID: rows.first?.id ?? 0, last: rows.last.map { ($0.id, $0.hash) })
        batch.copy.reserveCapacity(rows.count * 400)
        var months = Set<String>()
        var lastRepository: String?, lastMonth: ArraySlice<UInt8> = []  // rows come in runs: set lookups once a run
        for row in rows {
            if row.repository != lastRepository {
                batch.repositories.insert(row.repository)
                lastRepository = row.repository
            }
            let day: [UInt8]
            if row.timeIsCanonical, case .text(let text) = row.chained[AuditChain.timeColumn] {
                day = Array(text.prefix(10))
            } else {
                day = Array(EventStorage.storedText(row.time).utf8.prefix(10))
            }
            if day.prefix(7) != lastMonth {
                lastMonth = day.prefix(7)
                if months.insert(String(decoding: lastMonth, as: UTF8.self)).inserted { batch.months.append(row.time) }
            }
            batch.days.add(row.chained, day: day)
            do {
                try CentralChain.appendCopyLine(sourceKey: sourceKey, repositoryIdentity: row.repositoryIdentity, hash: row.hash,
                                                chained: row.chained, time: row.time, timeIsCanonical: row.timeIsCanonical,
                                                to: &batch.copy)
            } catch let unrepresentable as CentralChain.Unrepresentable {
                throw CentralStoreError.unrepresentable(eventID: row.id, column: unrepresentable.column)
            }
        }
        return batch
    }

    /// The source's row, locked for this transaction, made the first time; its key (what its events
    /// carry) and its mark.
    private func lockSource(_ source: String, relocation: Relocation) throws -> (key: Int64, seq: Int64, hash: String) {
        // Only when it is not there: an INSERT that meets the conflict has taken a value of the key's
        // identity first, and a ship runs this once a batch (`--watch` for years).
        try connection.execute("""
            INSERT INTO source (id, host, database_path, last_hash) SELECT $1, $2, $3, $4
            WHERE NOT EXISTS (SELECT FROM source WHERE id = $1) ON CONFLICT (id) DO NOTHING
            """, [source, host, databasePath, AuditChain.genesis], operation: "registering the source \(source)")
        let rows: Connection.Rows
        do {
            rows = try connection.execute("SELECT key, last_seq, last_hash, host, database_path FROM source WHERE id = $1 FOR UPDATE NOWAIT",
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
        guard let key = rows[0, "key"].flatMap({ Int64($0) }) else {
            throw StoredValueError(table: "central source", column: "key", value: rows[0, "key"] ?? "NULL", expected: "an integer")
        }
        return (key, Int64(rows[0, "last_seq"] ?? "0") ?? 0, rows[0, "last_hash"] ?? AuditChain.genesis)
    }

    /// Whether this role may COPY straight into `event`: row-level security does not apply to it (the
    /// table's owner; PostgreSQL refuses COPY FROM into a table whose policies apply to the role).
    private func copiesDirectly() throws -> Bool {
        try connection.execute("SELECT row_security_active('event') AS active", operation: "reading the event table's policies")[0, "active"] == "f"
    }

    /// Stores a batch. Straight into `event` by COPY when row-level security allows (the fast path), else
    /// (a shipping role) COPY into a temporary table and one `INSERT … SELECT`; then the daily counts.
    /// Idempotent either way: a row already there is not stored twice, the counts count only rows
    /// stored now. The mark makes that rare (it moves with the rows): when a direct COPY meets a row
    /// already there, the batch is rolled back to the savepoint and stored the other way.
    private func insert(_ batch: Batch, sourceKey: Int64, direct: Bool) throws {
        for month in batch.months { try CentralSchema.ensurePartition(for: month, connection) }
        let operation = "sending \(batch.count) event(s)"
        if direct {
            try connection.execute("SAVEPOINT direct", operation: operation)
            do {
                try connection.copy(into: "event", columns: CentralChain.copyColumns, bytes: batch.copy, operation: operation)
                try connection.execute("RELEASE SAVEPOINT direct", operation: operation)
                try batch.days.store(sourceKey: sourceKey, connection)
                return
            } catch let error as PGError where error.isUniqueViolation {
                try connection.execute("ROLLBACK TO SAVEPOINT direct", operation: operation)
            }
        }
        try connection.execute("CREATE TEMPORARY TABLE IF NOT EXISTS shipping (LIKE event) ON COMMIT DELETE ROWS",
                               operation: "preparing the batch")
        try connection.copy(into: "shipping", columns: CentralChain.copyColumns, bytes: batch.copy, operation: operation)
        // The daily counts from the rows really inserted (RETURNING): a batch sent again counts nothing twice.
        try connection.execute("""
            WITH inserted AS (
                INSERT INTO event SELECT * FROM shipping ON CONFLICT DO NOTHING
                RETURNING repository_path, time, kind, side, status, hook, ref)
            INSERT INTO event_day AS d (source_key, repository_path, day, kind, side, status, hook, bookkeeping, count)
            SELECT $1::integer, repository_path, (time AT TIME ZONE 'UTC')::date, kind, side, status, hook,
                   \(RefRole.bookkeepingSQL("ref")), count(*)
            FROM inserted GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ON CONFLICT (source_key, repository_path, day, kind, side, status, hook, bookkeeping) DO UPDATE SET count = d.count + EXCLUDED.count
            """, [String(sourceKey)], operation: "storing the batch")
    }
}
