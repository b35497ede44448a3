import Crypto
import Foundation
import GRDB
import GitKit

/// The audit log's hash chain: each event row carries `hash`, SHA-256 over the hash of the row before it
/// (by id) and every column of its own, each as it was stored before migration v7 (`storedBeforeV7`).
/// Written in the same IMMEDIATE transaction as the row, so concurrent writers cannot fork the chain.
/// Docs/Reliability.md says what this proves and what it does not.
public enum AuditChain {
    /// The columns a row's hash covers, in this order (format `refuge-chain-v1`): the table's columns when
    /// the chain began, then those added later.
    public static let columns = v1Columns + addedColumns

    /// The columns of the table when the chain began (migration v4 sealed its first rows over these).
    static let v1Columns = [
        "id", "time", "side", "hook", "repository", "ref", "old", "new", "kind", "dropped", "pusher", "remote", "url",
        "local_ref", "push_options", "status", "batch", "process_id", "reason", "undoes",
    ]

    /// Columns added since (`address`, v11): hashed only when set, so that every row sealed before one was
    /// added keeps its hash, and a row that sets it is covered like any other.
    static let addedColumns = ["address"]

    static let format = "refuge-chain-v1"
    /// What the first row chains to.
    public static let genesis = String(repeating: "0", count: 64)

    /// What the chain reads of a row: the row's id and stored hash (as hex), then for each column its
    /// storage class, its value, and its bytes (a TEXT value whole: a string read through the C API would
    /// stop at a NUL byte). The repository is read as its path, from its table.
    static let selection = selection(hash: hashSQL, repository: EventStorage.repositoryPathSQL, columns: columns)

    /// The same for the table as migration v4 found it (the repository a text column, `prev_hash` a
    /// column): the migration that sealed the first rows must keep doing what it did.
    static let v4Selection = selection(hash: "hash", repository: "repository", columns: v1Columns) + ", prev_hash"

    private static func selection(hash: String, repository: String, columns: [String]) -> String {
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

    /// The same without the columns added since v1, for a table v11 has not reached yet (a log opened
    /// read-only, which migrates nothing: `verify --no-drain`, `doctor`, an archived copy).
    static let v7Selection = selection(hash: hashSQL, repository: EventStorage.repositoryPathSQL, columns: v1Columns)

    /// The selection for the table as it is: before v7 (no `repository` table), the v4 one; before v11
    /// (no `address`), the v1 columns.
    static func selection(_ db: Database) throws -> String {
        guard try db.tableExists("repository") else { return v4Selection }
        return try db.columns(in: "event").contains { $0.name == "address" } ? selection : v7Selection
    }

    /// A column's value as the chain hashes it: its storage class and bytes (a value in compact storage
    /// already turned back into the text it replaced). The central store keeps these values, so that it
    /// can recompute every source's chain from its own rows (CentralChain).
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text([UInt8])
        case blob(Data)
        case unknown
    }

    /// The values of a row read with `selection`, one per column of `columns`, by position (three per
    /// column after row_id and hash; a row read with `v4Selection` has the v1 columns only). Read as DatabaseValues, not decoded one by one: a ship reads a
    /// million rows, and GRDB's generic decoding was most of its time.
    static func values(of row: Row) -> [Value] {
        let cells = Array(row.databaseValues)
        return columns.indices.prefix((cells.count - 2) / 3).map { index in
            let base = 2 + 3 * index
            if let text = storedBeforeV7(columns[index], type: cells[base], value: cells[base + 1]) { return .text(Array(text.utf8)) }
            guard case .string(let type) = cells[base].storage else { return .unknown }
            switch (type, cells[base + 1].storage, cells[base + 2].storage) {
            case ("null", _, _): return .null
            case ("integer", .int64(let number), _): return .integer(number)
            case ("real", .double(let number), _): return .real(number)
            case ("text", _, .blob(let raw)): return .text(Array(raw))
            case ("text", _, _): return .text([])
            case ("blob", _, .blob(let raw)): return .blob(raw)
            case ("blob", _, _): return .blob(Data())
            default: return .unknown
            }
        }
    }

    /// The hash of a row read with `selection`, chained to `previous`.
    static func hash(of row: Row, previous: String) -> String {
        hash(of: values(of: row), previous: previous)
    }

    /// The hash of a row's values (one per column of `columns`), chained to `previous`: the one encoding
    /// of format `refuge-chain-v1`, for the local log and the central store alike. Bytes are gathered in
    /// one buffer: sealing is on the path of every append, a million of them in a large backfill.
    static func hash(of values: [Value], previous: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        bytes += "\(format)\n\(previous)\n".utf8
        for (index, (column, value)) in zip(columns, values).enumerated() {
            if index >= v1Columns.count, value == .null { continue }  // an added column, not set
            bytes += column.utf8
            bytes.append(UInt8(ascii: "="))
            switch value {
            case .null: bytes.append(UInt8(ascii: "n"))
            case .integer(let number): bytes += "i\(number)".utf8
            case .real(let number): bytes += "r\(number)".utf8
            case .text(let raw):
                bytes += "s\(raw.count):".utf8
                bytes += raw
            case .blob(let raw): bytes += "b\(raw.count):\(raw.base64EncodedString())".utf8
            case .unknown: bytes.append(UInt8(ascii: "-"))
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return hex(SHA256.hash(data: bytes))
    }

    /// The text a value in compact storage (EventStorage, v7) replaced: a time in integer milliseconds,
    /// an id as 20 bytes, a batch as a UUID's 16 bytes. nil for any other value, hashed as it is stored.
    private static func storedBeforeV7(_ column: String, type: DatabaseValue, value: DatabaseValue) -> String? {
        guard case .string(let storage) = type.storage else { return nil }
        switch (column, storage) {
        case ("time", "integer"):
            guard case .int64(let milliseconds) = value.storage else { return nil }
            return milliseconds >= 0 ? EventStorage.storedText(milliseconds: milliseconds) : nil
        case ("old", "blob"), ("new", "blob"):
            return (try? EventStorage.objectID(value, column: column))?.hex  // try? flattens: nil for NULL or junk
        case ("batch", "blob"):
            return EventStorage.batch(value)
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
