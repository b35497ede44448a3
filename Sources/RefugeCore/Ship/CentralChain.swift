import Foundation
import PGKit

/// The hash chain as the central store keeps it: each event's columns hold the values the local log
/// hashed (AuditChain.Value), so that `verify --central` recomputes every source's chain from the central
/// rows alone, with the local log's one encoding.
enum CentralChain {
    /// The central column of each chained column, in `AuditChain.columns` order.
    static let centralColumns = AuditChain.columns.map { column -> String in
        switch column {
        case "id": return "seq"
        case "repository": return "repository_path"
        default: return column
        }
    }

    /// The chained columns that are integers (bigint or integer in the central store).
    static let integerColumns: Set<String> = ["id", "dropped", "process_id", "undoes"]

    /// What a column that cannot be kept exactly as hashed looks like (never from Refuge's own writes).
    struct Unrepresentable: Error {
        let column: String
    }

    /// Appends one row in COPY's text format: `leading` fields as they are, then `time` (a timestamptz
    /// literal) and `stored_time` (the local text, when it is not the canonical text of that time), then
    /// the other chained columns in `AuditChain.columns` order, each as the value its hash covers. Written
    /// as bytes: a ship sends a million rows. Throws when a value would not come back as hashed (text that
    /// is not UTF-8 or holds a NUL, an integer where text belongs), so that what ships always verifies.
    static func appendCopyLine(_ leading: [String?], chained: [AuditChain.Value], time: Date, to line: inout [UInt8]) throws {
        for field in leading {
            appendField(field.map { Array($0.utf8) }, to: &line)
            line.append(UInt8(ascii: "\t"))
        }
        var rest: [UInt8] = []
        rest.reserveCapacity(512)
        var timeField: [UInt8] = [], storedTime: [UInt8]?
        for (column, value) in zip(AuditChain.columns, chained) {
            let bytes: [UInt8]?
            switch value {
            case .null: bytes = nil
            case .integer(let number) where integerColumns.contains(column): bytes = Array(String(number).utf8)
            case .text(let raw) where !integerColumns.contains(column):
                guard isUTF8Text(raw) else { throw Unrepresentable(column: column) }
                bytes = raw
            default: throw Unrepresentable(column: column)
            }
            if column == "time" {
                guard let bytes else { throw Unrepresentable(column: column) }
                if EventStorage.milliseconds(storedText: String(decoding: bytes, as: UTF8.self)) != nil {
                    timeField = bytes + Array("+00".utf8)  // the canonical text is UTC
                } else {
                    (timeField, storedTime) = (Array(Timestamp.iso(time).utf8), bytes)
                }
                continue
            }
            rest.append(UInt8(ascii: "\t"))
            appendField(bytes, to: &rest)
        }
        appendField(timeField, to: &line)
        line.append(UInt8(ascii: "\t"))
        appendField(storedTime, to: &line)
        line += rest
        line.append(UInt8(ascii: "\n"))
    }

    /// Valid UTF-8 without a NUL: what a PostgreSQL text column keeps byte for byte.
    private static func isUTF8Text(_ bytes: [UInt8]) -> Bool {
        var ascii = true
        for byte in bytes {
            if byte == 0 { return false }
            if byte >= 0x80 { ascii = false }
        }
        return ascii || String(validating: bytes, as: UTF8.self) != nil
    }

    /// A value as COPY's text format spells it: `\N` for NULL, backslash, tab, newline and return escaped.
    private static func appendField(_ bytes: [UInt8]?, to line: inout [UInt8]) {
        guard let bytes else {
            line += [UInt8(ascii: "\\"), UInt8(ascii: "N")]
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): line += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\t"): line += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case UInt8(ascii: "\n"): line += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): line += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            default: line.append(byte)
            }
        }
    }

    /// The chained values of a central row read with `selection`.
    static func values(_ rows: Connection.Rows, _ index: Int) -> [AuditChain.Value] {
        zip(AuditChain.columns, centralColumns).map { column, central in
            if column == "time" {
                if let stored = rows[index, "stored_time"] { return .text(Array(stored.utf8)) }
                guard let milliseconds = rows[index, "time_ms"].flatMap({ Int64($0) }) else { return .unknown }
                return .text(Array(EventStorage.storedText(milliseconds: milliseconds).utf8))
            }
            guard let text = rows[index, central] else { return .null }
            if integerColumns.contains(column) { return Int64(text).map(AuditChain.Value.integer) ?? .unknown }
            return .text(Array(text.utf8))
        }
    }

    /// The central columns `values` reads, with the hash.
    static let selection = (["(extract(epoch FROM time) * 1000)::bigint AS time_ms", "stored_time", "hash"]
        + centralColumns.filter { $0 != "time" }).joined(separator: ", ")
}
