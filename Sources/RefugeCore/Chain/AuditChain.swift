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

    /// What the chain reads of a row: the row's id and stored hash (as hex), then each column's value as
    /// stored, one SQL column each (ChainRow reads each value's storage class and bytes from SQLite).
    /// The repository is read as its path, from its table.
    static let selection = selection(hash: hashSQL, repository: EventStorage.repositoryPathSQL, columns: columns)

    /// The same for the table as migration v4 found it (the repository a text column, `prev_hash` a
    /// column): the migration that sealed the first rows must keep doing what it did.
    static let v4Selection = selection(hash: "hash", repository: "repository", columns: v1Columns) + ", prev_hash"

    private static func selection(hash: String, repository: String, columns: [String]) -> String {
        (["id AS row_id", "\(hash) AS hash"] + columns.map { $0 == "repository" ? "\(repository) AS repository" : "\"\($0)\"" })
            .joined(separator: ", ")
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

    /// The selection for the table as it is, and how many chained columns it reads: before v7 (no
    /// `repository` table), the v4 one; before v11 (no `address`), the v1 columns.
    static func selection(_ db: Database) throws -> (sql: String, columns: Int) {
        guard try db.tableExists("repository") else { return (v4Selection, v1Columns.count) }
        return try db.columns(in: "event").contains { $0.name == "address" } ? (selection, columns.count) : (v7Selection, v1Columns.count)
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

    /// The hash of a row's values (one per column of `columns`), chained to `previous`: the one encoding
    /// of format `refuge-chain-v1`, for the local log and the central store alike. Bytes are gathered in
    /// one buffer: sealing is on the path of every append, a million of them in a large backfill.
    static func hash(of values: [Value], previous: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1_024)
        bytes += "\(format)\n\(previous)\n".utf8
        for (index, value) in values.prefix(columns.count).enumerated() {
            if index >= v1Columns.count, value == .null { continue }  // an added column, not set
            bytes += columnPrefixes[index]
            switch value {
            case .null: bytes.append(UInt8(ascii: "n"))
            case .integer(let number):
                bytes.append(UInt8(ascii: "i"))
                appendDecimal(number, to: &bytes)
            case .real(let number): bytes += "r\(number)".utf8
            case .text(let raw):
                bytes.append(UInt8(ascii: "s"))
                appendDecimal(Int64(raw.count), to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes += raw
            case .blob(let raw): bytes += "b\(raw.count):\(raw.base64EncodedString())".utf8
            case .unknown: bytes.append(UInt8(ascii: "-"))
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        return hex(SHA256.hash(data: bytes))
    }

    /// `name=` of each column, as the encoding writes it before the value.
    private static let columnPrefixes = columns.map { Array("\($0)=".utf8) }

    /// `number` in decimal, as `"\(number)"` spells it, without making a String.
    static func appendDecimal(_ number: Int64, to bytes: inout [UInt8]) {
        guard number != 0 else { return bytes.append(UInt8(ascii: "0")) }
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = number.magnitude
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            }
            for position in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[position]) }
        }
    }

    /// Where `time`, `old`, `new` and `batch` are in `columns`: the values compact storage (v7) changed.
    static let timeColumn = columns.firstIndex(of: "time")!
    private static let idColumns = [columns.firstIndex(of: "old")!, columns.firstIndex(of: "new")!]
    private static let batchColumn = columns.firstIndex(of: "batch")!

    /// A value of column `index` as the chain hashes it: a value in compact storage (EventStorage, v7) as
    /// the text it replaced (a time in integer milliseconds, an id as 20 bytes, a batch as a UUID's 16
    /// bytes), any other value as it is stored.
    static func chained(column index: Int, integer number: Int64) -> Value {
        index == timeColumn && number >= 0 ? .text(EventStorage.storedTextBytes(milliseconds: number)) : .integer(number)
    }

    /// The same for a BLOB value: an id's 20 bytes (not all zero) as 40 lower-case hex digits, a batch's
    /// 16 as the UUID's upper-case text (`UUID.uuidString`), written straight from SQLite's buffer.
    static func chained(column index: Int, blob raw: UnsafeRawBufferPointer) -> Value {
        if idColumns.contains(index), raw.count == 20, raw.contains(where: { $0 != 0 }) {
            return .text(hexDigits(raw, digits: lowerDigits))
        }
        if index == batchColumn, raw.count == 16 {
            var text = hexDigits(raw, digits: upperDigits)
            for dash in [8, 13, 18, 23] { text.insert(UInt8(ascii: "-"), at: dash) }
            return .text(text)
        }
        return .blob(Data(raw))
    }

    private static let lowerDigits = Array("0123456789abcdef".utf8), upperDigits = Array("0123456789ABCDEF".utf8)

    private static func hexDigits(_ raw: UnsafeRawBufferPointer, digits: [UInt8]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(2 * raw.count + 4)
        for byte in raw {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return text
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
        var hash: String?
        try ChainRow.forEach(try db.cachedStatement(sql: "SELECT \(selection) FROM event WHERE id = ?"), arguments: [id],
                             columns: columns.count) { row in hash = self.hash(of: row.values, previous: previous) }
        guard let hash else { throw DatabaseError(message: "event \(id) vanished while it was being sealed") }
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
            var sealed: String?
            try ChainRow.forEach(read, arguments: [id], columns: v1Columns.count) { row in sealed = hash(of: row.values, previous: previous) }
            guard let hash = sealed else { continue }
            try db.execute(sql: "UPDATE event SET prev_hash = ?, hash = ? WHERE id = ?", arguments: [previous, hash, id])
            previous = hash
        }
    }
}
