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

    /// The chained columns the central store keeps in a narrower type than text (schema v6): an object
    /// id as its bytes, a batch as a `uuid`. A value not in the canonical text of that type (only a hand
    /// makes one) goes into the column's text twin instead, so that every value still comes back exactly.
    static let compactColumns: [(column: String, twin: String)] = [("old", "old_text"), ("new", "new_text"), ("batch", "batch_text")]
    private static let compactIndex = compactColumns.map { AuditChain.columns.firstIndex(of: $0.column)! }
    private static let batchIndex = AuditChain.columns.firstIndex(of: "batch")!

    /// The SQL that reads a chained value's text back from the central row (as `alias.column`).
    static func textSQL(_ column: String, alias: String = "") -> String {
        let prefix = alias.isEmpty ? "" : alias + "."
        switch column {
        case "hash": return "encode(\(prefix)hash, 'hex')"
        case "old", "new": return "coalesce(encode(\(prefix)\(column), 'hex'), \(prefix)\(column)_text)"
        case "batch": return "coalesce(upper(\(prefix)batch::text), \(prefix)batch_text)"
        default: return prefix + column
        }
    }

    /// Appends one row in COPY's text format, in the order of `copyColumns`: the source's key, the
    /// repository's identity, the hash (bytea), then `time` (a timestamptz literal) and `stored_time` (the
    /// local text, when it is not the canonical text of that time), then the other chained columns in
    /// `AuditChain.columns` order, each as the value its hash covers, and last the text twins of the
    /// compact columns and of the repository identity. Written as bytes into one buffer: a ship sends a
    /// million rows. `timeIsCanonical` says the time's text is known canonical (stored as milliseconds),
    /// sparing its parse. Throws when a
    /// value would not come back as hashed (text that is not UTF-8 or holds a NUL, an integer where text
    /// belongs), so that what ships always verifies.
    static func appendCopyLine(sourceKey: Int64, repositoryIdentity: String?, hash: String, chained: [AuditChain.Value], time: Date,
                               timeIsCanonical: Bool = false, to line: inout [UInt8]) throws {
        AuditChain.appendDecimal(sourceKey, to: &line)
        line.append(UInt8(ascii: "\t"))
        // The identity as a uuid (schema v8) when it is a UUID's lower-case text, what `uuid::text` gives
        // back; else (an identity the local log's trigger made) in its text twin, the line's last field.
        let identity = repositoryIdentity.map { Array($0.utf8) }
        let identityIsUUID = identity.map { isUUIDText($0, upperCase: false) } ?? true
        appendField(identityIsUUID ? identity : nil, to: &line)
        line.append(UInt8(ascii: "\t"))
        let hashBytes = Array(hash.utf8)
        guard isObjectIDHex(hashBytes) else { throw Unrepresentable(column: "hash") }
        line += "\\\\x".utf8
        line += hashBytes
        line.append(UInt8(ascii: "\t"))
        guard case .text(let timeText) = chained[AuditChain.timeColumn], isUTF8Text(timeText) else { throw Unrepresentable(column: "time") }
        if timeIsCanonical || EventStorage.milliseconds(storedText: String(decoding: timeText, as: UTF8.self)) != nil {
            appendField(timeText, to: &line)
            line += "+00\t\\N".utf8  // the canonical text is UTC; no stored_time
        } else {
            appendField(Array(Timestamp.iso(time).utf8), to: &line)
            line.append(UInt8(ascii: "\t"))
            appendField(timeText, to: &line)
        }
        var twins: [[UInt8]?] = [nil, nil, nil]
        for (index, value) in chained.enumerated() where index != AuditChain.timeColumn {
            line.append(UInt8(ascii: "\t"))
            switch value {
            case .null: appendField(nil, to: &line)
            case .integer(let number) where isInteger[index]: AuditChain.appendDecimal(number, to: &line)
            case .text(let raw) where !isInteger[index] && isUTF8Text(raw):
                if let twin = compactIndex.firstIndex(of: index) {
                    if index == batchIndex ? isUUIDText(raw) : isObjectIDHex(raw) {
                        if index != batchIndex { line += "\\\\x".utf8 }  // bytea's hex input, its backslash escaped
                        line += raw
                    } else {
                        appendField(nil, to: &line)
                        twins[twin] = raw
                    }
                } else {
                    appendField(raw, to: &line)
                }
            default: throw Unrepresentable(column: AuditChain.columns[index])
            }
        }
        for twin in twins {
            line.append(UInt8(ascii: "\t"))
            appendField(twin, to: &line)
        }
        line.append(UInt8(ascii: "\t"))
        appendField(identityIsUUID ? nil : identity, to: &line)
        line.append(UInt8(ascii: "\n"))
    }

    /// Lower-case hex of a SHA-1 or SHA-256 id (or a hash): what `encode(bytea, 'hex')` gives back exactly.
    private static func isObjectIDHex(_ bytes: [UInt8]) -> Bool {
        (bytes.count == 40 || bytes.count == 64) && bytes.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// A UUID's upper-case text (`UUID.uuidString`, a batch): what `upper(uuid::text)` gives back exactly;
    /// or its lower-case text (a repository's identity), what `uuid::text` gives back.
    private static func isUUIDText(_ bytes: [UInt8], upperCase: Bool = true) -> Bool {
        let letters: ClosedRange<UInt8> = upperCase ? 0x41...0x46 : 0x61...0x66
        guard bytes.count == 36 else { return false }
        for (offset, byte) in bytes.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !((0x30...0x39).contains(byte) || letters.contains(byte)) {
                return false
            }
        }
        return true
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

    /// The central columns `values` reads, with the hash, each as the text the chain hashed.
    static let selection = (["(extract(epoch FROM time) * 1000)::bigint AS time_ms", "stored_time", "\(textSQL("hash")) AS hash"]
        + centralColumns.filter { $0 != "time" }.map { column in textSQL(column) == column ? column : "\(textSQL(column)) AS \(column)" })
        .joined(separator: ", ")

    /// The columns of `event` a ship COPYs, in the order `appendCopyLine` writes them.
    static let copyColumns = ["source_key", "repository_identity", "hash", "time", "stored_time"]
        + centralColumns.filter { $0 != "time" } + compactColumns.map(\.twin) + ["repository_identity_text"]
}
