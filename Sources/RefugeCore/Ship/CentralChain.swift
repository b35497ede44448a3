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
    /// The same by position in `AuditChain.columns` (a ship asks it for every value of a million rows).
    private static let isInteger = AuditChain.columns.map(integerColumns.contains)

    /// What a column that cannot be kept exactly as hashed looks like (never from Refuge's own writes).
    struct Unrepresentable: Error {
        let column: String
    }

    /// Appends one row in COPY's text format: `leading` fields as they are, then `time` (a timestamptz
    /// literal) and `stored_time` (the local text, when it is not the canonical text of that time), then
    /// the other chained columns in `AuditChain.columns` order, each as the value its hash covers. Written
    /// as bytes into one buffer: a ship sends a million rows. `timeIsCanonical` says the time's text is
    /// known canonical (stored as milliseconds), sparing its parse. Throws when a value would not come back
    /// as hashed (text that is not UTF-8 or holds a NUL, an integer where text belongs), so that what
    /// ships always verifies.
    static func appendCopyLine(_ leading: [String?], chained: [AuditChain.Value], time: Date, timeIsCanonical: Bool = false,
                               to line: inout [UInt8]) throws {
        for field in leading {
            if let field, !field.utf8.contains(where: isSpecial) {
                line += field.utf8  // no copy to escape
            } else {
                appendField(field.map { Array($0.utf8) }, to: &line)
            }
            line.append(UInt8(ascii: "\t"))
        }
        guard case .text(let timeText) = chained[AuditChain.timeColumn], isUTF8Text(timeText) else { throw Unrepresentable(column: "time") }
        if timeIsCanonical || EventStorage.milliseconds(storedText: String(decoding: timeText, as: UTF8.self)) != nil {
            appendField(timeText, to: &line)
            line += "+00\t\\N".utf8  // the canonical text is UTC; no stored_time
        } else {
            appendField(Array(Timestamp.iso(time).utf8), to: &line)
            line.append(UInt8(ascii: "\t"))
            appendField(timeText, to: &line)
        }
        for (index, value) in chained.enumerated() where index != AuditChain.timeColumn {
            line.append(UInt8(ascii: "\t"))
            switch value {
            case .null: appendField(nil, to: &line)
            case .integer(let number) where isInteger[index]: AuditChain.appendDecimal(number, to: &line)
            case .text(let raw) where !isInteger[index] && isUTF8Text(raw): appendField(raw, to: &line)
            default: throw Unrepresentable(column: AuditChain.columns[index])
            }
        }
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

    /// A byte COPY's text format escapes.
    private static func isSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// A value as COPY's text format spells it: `\N` for NULL, backslash, tab, newline and return escaped.
    private static func appendField(_ bytes: [UInt8]?, to line: inout [UInt8]) {
        guard let bytes else {
            line += "\\N".utf8
            return
        }
        guard bytes.contains(where: isSpecial) else {
            line += bytes  // most values: nothing to escape
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\\"): line += "\\\\".utf8
            case UInt8(ascii: "\t"): line += "\\t".utf8
            case UInt8(ascii: "\n"): line += "\\n".utf8
            case UInt8(ascii: "\r"): line += "\\r".utf8
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
