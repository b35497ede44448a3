import Crypto
import Foundation
import GRDB
import GitKit

/// The audit log's hash chain: each event row carries `hash`, SHA-256 over the hash of the row before it
/// (by id) and every column of its own, each as it was stored before migration v7 (`storedBeforeV7`).
/// Written in the same IMMEDIATE transaction as the row, so concurrent writers cannot fork the chain.
/// Docs/Reliability.md says what this proves and what it does not.
enum AuditChain {
    /// The columns a row's hash covers, in this order (format `refuge-chain-v1`).
    static let columns = [
        "id", "time", "side", "hook", "repository", "ref", "old", "new", "kind", "dropped", "pusher", "remote", "url",
        "local_ref", "push_options", "status", "batch", "process_id", "reason", "undoes",
    ]

    static let format = "refuge-chain-v1"
    /// What the first row chains to.
    static let genesis = String(repeating: "0", count: 64)

    /// What the chain reads of a row: the row's id and stored hash (as hex), then for each column its
    /// storage class, its value, and its bytes (a TEXT value whole: a string read through the C API would
    /// stop at a NUL byte). The repository is read as its path, from its table.
    static let selection = selection(hash: hashSQL, repository: EventStorage.repositoryPathSQL)

    /// The same for the table as migration v4 found it (the repository a text column, `prev_hash` a
    /// column): the migration that sealed the first rows must keep doing what it did.
    static let v4Selection = selection(hash: "hash", repository: "repository") + ", prev_hash"

    private static func selection(hash: String, repository: String) -> String {
        (["id AS row_id", "\(hash) AS hash"] + columns.flatMap { column in
            let value = column == "repository" ? repository : column
            return ["typeof(\(value)) AS \"t_\(column)\"", "\(value) AS \"v_\(column)\"",
                    "CAST(\(value) AS BLOB) AS \"b_\(column)\""]
        }).joined(separator: ", ")
    }

    /// The stored hash as 64 hex digits (stored as 32 bytes since v7; as text by a hand or before).
    static let hashSQL = "(CASE typeof(hash) WHEN 'blob' THEN lower(hex(hash)) ELSE hash END)"

    /// A hash as stored: its 32 bytes (from the 64 hex digits `hash(of:previous:)` gives).
    static func stored(hash hex: String) -> Data {
        let digits = Array(hex.utf8)
        func nibble(_ digit: UInt8) -> UInt8 {
            digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10
        }
        return Data(stride(from: 0, to: digits.count - 1, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) })
    }

    /// The selection for the table as it is: before v7 (no `repository` table), the v4 one.
    static func selection(_ db: Database) throws -> String {
        try db.tableExists("repository") ? selection : v4Selection
    }

    /// The hash of a row read with `selection`, chained to `previous`. Columns are read by position (three
    /// per column after row_id and hash) and bytes gathered in one buffer: sealing is on the path of every
    /// append, a million of them in a large backfill.
    static func hash(of row: Row, previous: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        bytes += "\(format)\n\(previous)\n".utf8
        for (index, column) in columns.enumerated() {
            let base = 2 + 3 * index
            bytes += column.utf8
            bytes.append(UInt8(ascii: "="))
            if let text = storedBeforeV7(column, row: row, at: base) {
                // A value in compact storage is hashed as the text it replaced (every hash stays valid).
                bytes += "s\(text.utf8.count):".utf8
                bytes += text.utf8
                bytes.append(UInt8(ascii: "\n"))
                continue
            }
            switch row[base] as String? {
            case "null"?: bytes.append(UInt8(ascii: "n"))
            case "integer"?: bytes += "i\(row[base + 1] as Int64)".utf8
            case "real"?: bytes += "r\(row[base + 1] as Double)".utf8
            case "text"?:
                let raw: Data = row[base + 2] ?? Data()
                bytes += "s\(raw.count):".utf8
                bytes += raw
            case "blob"?:
                let raw: Data = row[base + 2] ?? Data()
                bytes += "b\(raw.count):\(raw.base64EncodedString())".utf8
            default: bytes.append(UInt8(ascii: "-"))
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return hex(SHA256.hash(data: bytes))
    }

    /// The text a value in compact storage (EventStorage, v7) replaced: a time in integer milliseconds,
    /// an id as 20 bytes, a batch as a UUID's 16 bytes. nil for any other value, hashed as it is stored.
    private static func storedBeforeV7(_ column: String, row: Row, at base: Int) -> String? {
        switch (column, row[base] as String?) {
        case ("time", "integer"?):
            let milliseconds: Int64 = row[base + 1]
            return milliseconds >= 0 ? EventStorage.storedText(milliseconds: milliseconds) : nil
        case ("old", "blob"?), ("new", "blob"?):
            return (EventStorage.objectID(row[base + 1]) ?? nil)?.hex
        case ("batch", "blob"?):
            return EventStorage.batch(row[base + 1])
        default:
            return nil
        }
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 2 * SHA256.byteCount) { buffer in
            for (index, byte) in digest.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return 2 * SHA256.byteCount
        }
    }

    /// The hash of the last row, or the genesis value for an empty log.
    static func head(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "SELECT \(hashSQL) FROM event ORDER BY id DESC LIMIT 1") ?? genesis
    }

    /// Seals the row `id` just inserted: reads it back as stored and writes its hash.
    static func seal(id: Int64, _ db: Database, previous: String) throws -> String {
        let read = try db.cachedStatement(sql: "SELECT \(selection) FROM event WHERE id = ?")
        guard let row = try Row.fetchOne(read, arguments: [id]) else {
            throw DatabaseError(message: "event \(id) vanished while it was being sealed")
        }
        let hash = hash(of: row, previous: previous)
        let write = try db.cachedStatement(sql: "UPDATE event SET hash = ? WHERE id = ?")
        try write.execute(arguments: [stored(hash: hash), id])
        return hash
    }

    /// Seals every row that has no hash yet, in id order, as migration v4 did: text hashes, and `prev_hash`
    /// (a column until v7). Only that migration calls it.
    static func sealUnsealedV4(_ db: Database) throws {
        var previous = try String.fetchOne(
            db, sql: "SELECT hash FROM event WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1") ?? genesis
        let read = try db.makeStatement(sql: "SELECT \(v4Selection) FROM event WHERE id = ?")
        for id in try Int64.fetchAll(db, sql: "SELECT id FROM event WHERE hash IS NULL ORDER BY id") {
            guard let row = try Row.fetchOne(read, arguments: [id]) else { continue }
            let hash = hash(of: row, previous: previous)
            try db.execute(sql: "UPDATE event SET prev_hash = ?, hash = ? WHERE id = ?", arguments: [previous, hash, id])
            previous = hash
        }
    }
}

/// What `git refuge verify` found.
public struct ChainVerification: Sendable {
    public struct Break: Sendable, Equatable {
        public let eventID: Int64
        public let problem: String
    }

    public let events: Int
    /// The last row's hash: keep it elsewhere, and `verify --against` it later.
    public let head: String
    /// The first row where the chain does not hold, if any.
    public let firstBreak: Break?
    /// SQLite's `PRAGMA integrity_check` lines (`["ok"]` when sound).
    public let integrity: [String]
    /// With `--against`: whether that hash is a row of the chain (then the log extends it).
    public let anchorFound: Bool?
    /// With `--against`: how many rows came after the anchor.
    public let rowsAfterAnchor: Int?
    /// Spool files still waiting after the drain (a git process still running, or a log that cannot be
    /// written): records the chain does not cover yet. Nil with `--no-drain`.
    public var spoolWaiting: Int?
    /// What the drain before the check could not record (malformed hook input, say).
    public var drainWarnings: [String] = []

    public var intact: Bool {
        firstBreak == nil && integrity == ["ok"] && anchorFound != false
    }
}

/// Reads the chain row after row, from a hash already trusted (the genesis value, or a checkpoint's).
struct ChainWalk {
    var previous: String
    var count = 0
    var firstBreak: ChainVerification.Break?
    /// The id of the row read last: ids are consecutive (AUTOINCREMENT, never reused), so a gap is a deletion.
    private var lastID: Int64?

    init(from previous: String, after id: Int64? = nil) {
        self.previous = previous
        lastID = id
    }

    /// Checks one row read with `AuditChain.selection`; returns its stored hash.
    mutating func check(_ row: Row) -> String? {
        count += 1
        let id: Int64 = row["row_id"]
        let stored: String? = row["hash"]
        if firstBreak == nil {
            if stored == nil {
                firstBreak = .init(eventID: id, problem: "it is not sealed (no hash): written outside Refuge")
            } else if stored != AuditChain.hash(of: row, previous: previous) {
                let missing = (lastID ?? 0) + 1
                firstBreak = .init(eventID: id, problem: missing < id
                    ? "its hash does not chain to the row before it: event #\(missing) was deleted"
                    : "its content does not match its hash: the row was edited, or a row before it inserted or reordered")
            }
        }
        if let stored { previous = stored }
        lastID = id
        return stored
    }
}

extension AuditStore {
    /// Recomputes the whole chain and runs SQLite's integrity check. With `anchor`, also checks that the
    /// log still holds that hash as one of its rows (so it extends what was recorded then).
    public func verifyChain(against anchor: String? = nil) throws -> ChainVerification {
        try read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            var walk = ChainWalk(from: AuditChain.genesis)
            var anchorFound: Bool? = anchor == nil ? nil : (anchor?.lowercased() == AuditChain.genesis)
            var afterAnchor: Int? = anchorFound == true ? 0 : nil
            let rows = try Row.fetchCursor(db, sql: "SELECT \(try AuditChain.selection(db)) FROM event ORDER BY id")
            while let row = try rows.next() {
                let stored = walk.check(row)
                if afterAnchor != nil { afterAnchor! += 1 }
                if let anchor, stored?.lowercased() == anchor.lowercased(), anchorFound != true {
                    anchorFound = true
                    afterAnchor = 0
                }
            }
            return ChainVerification(
                events: walk.count, head: walk.previous, firstBreak: walk.firstBreak, integrity: integrity,
                anchorFound: anchorFound, rowsAfterAnchor: afterAnchor)
        }
    }

    /// What a report says of the chain: the rows up to the last checkpoint were verified then (and the
    /// checkpoint's row still has the hash it had), the rows after it are verified now.
    public struct ChainCheck: Sendable {
        public let events: Int
        /// The checkpoint the check started from: its event and when it was verified.
        public let checkpoint: (eventID: Int64, verifiedAt: Date)?
        /// Rows verified by this check.
        public let verifiedNow: Int
        public let head: String
        /// The id of the head row (0 for an empty log).
        public let headID: Int64
        public let firstBreak: ChainVerification.Break?
    }

    /// Verifies the rows written since the last checkpoint and, when they hold, records a new one at the
    /// head, so that the next report starts there. The checkpoint lives in the log it vouches for: it saves
    /// time, it proves nothing a rewrite of the whole file could not forge (`verify --against` does).
    /// No SQLite integrity check: that reads every page (`git refuge verify` runs it).
    public func checkChainSinceCheckpoint(now: Date = Date()) throws -> ChainCheck {
        let check: ChainCheck = try read { db in
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0
            var walk = ChainWalk(from: AuditChain.genesis)
            var start: Int64 = 0
            var checkpoint: (eventID: Int64, verifiedAt: Date)?
            if let row = try Row.fetchOne(
                db, sql: "SELECT event_id, hash, verified_at FROM chain_checkpoint ORDER BY event_id DESC LIMIT 1")
            {
                let id: Int64 = row["event_id"]
                let hash: String = row["hash"]
                let verifiedAt: Date = row["verified_at"]
                let now = try String.fetchOne(db, sql: "SELECT \(AuditChain.hashSQL) FROM event WHERE id = ?", arguments: [id])
                guard now == hash else {
                    return ChainCheck(
                        events: events, checkpoint: (id, verifiedAt), verifiedNow: 0, head: hash, headID: id,
                        firstBreak: .init(eventID: id, problem: now == nil
                            ? "it was verified on \(Timestamp.short(verifiedAt)) and is gone: rows were deleted"
                            : "its hash is not the one verified on \(Timestamp.short(verifiedAt)): the log was re-sealed"))
                }
                walk = ChainWalk(from: hash, after: id)
                start = id
                checkpoint = (id, verifiedAt)
            }
            let rows = try Row.fetchCursor(
                db, sql: "SELECT \(AuditChain.selection) FROM event WHERE id > ? ORDER BY id", arguments: [start])
            var last = start
            while let row = try rows.next() {
                _ = walk.check(row)
                last = row["row_id"]
            }
            return ChainCheck(
                events: events, checkpoint: checkpoint, verifiedNow: walk.count, head: walk.previous, headID: last,
                firstBreak: walk.firstBreak)
        }
        if check.firstBreak == nil, check.headID > (check.checkpoint?.eventID ?? 0) {
            // A short write of its own, after the read: a first check of a large log takes seconds, and hooks
            // must not wait for it. Losing the race to another report costs nothing (same row, same hash).
            try? write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO chain_checkpoint (event_id, hash, verified_at) VALUES (?, ?, ?)",
                    arguments: [check.headID, check.head, EventStorage.storedText(now)])
            }
        }
        return check
    }
}

extension ChainVerification {
    /// Verifies the audit log of the repository a command runs in. Like every command it first drains the
    /// spool, so that the chain covers what the hooks recorded a moment ago; with `drain: false` it reads
    /// the log as it is and changes nothing (a copied log file, a read-only mount).
    public static func run(path: String?, environment: [String: String], against anchor: String?, drain: Bool = true) throws
        -> ChainVerification
    {
        let repository = try Repository.forCommand(path: path)
        let location = try AuditLocation.resolve(for: repository, environment: environment)
        var warnings: [String] = []
        if drain, !SpoolDrain.waitingFiles(in: location.spoolDirectory).isEmpty {
            // A log that cannot be written is still verified as it is: the drain's failure is a warning.
            do {
                let store = try AuditStore(location: location)
                warnings = SpoolDrain(repository: repository, store: store).drain().warnings
            } catch {
                warnings = ["\(error)"]
            }
        }
        guard FileManager.default.fileExists(atPath: location.databasePath) else {
            throw AuditStoreError.cannotOpen(
                path: location.databasePath,
                reason: "there is no audit log yet (nothing was recorded here: git refuge install sets the hooks up)")
        }
        var result = try AuditStore(location: location, readOnly: true).verifyChain(against: anchor)
        if drain {
            result.spoolWaiting = SpoolDrain.waitingFiles(in: location.spoolDirectory).count
            result.drainWarnings = warnings
        }
        return result
    }
}
