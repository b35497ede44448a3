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

    /// A shipped row's central fields, as text for COPY: `time` (a timestamptz literal), `storedTime` (the
    /// local text, when it is not the canonical text of that time) and the other chained columns by name.
    struct Fields {
        var time = ""
        var storedTime: String?
        var values: [String: String?] = [:]
    }

    /// What a column that cannot be kept exactly as hashed looks like (never from Refuge's own writes).
    struct Unrepresentable: Error {
        let column: String
    }

    /// The central fields of a row's chained values; throws when a value would not come back as hashed
    /// (text that is not UTF-8, an integer where text belongs), so that what ships always verifies.
    static func fields(of chained: [AuditChain.Value], time: Date) throws -> Fields {
        var fields = Fields()
        for (column, value) in zip(AuditChain.columns, chained) {
            let text: String?
            switch value {
            case .null: text = nil
            case .integer(let number) where integerColumns.contains(column): text = String(number)
            case .text(let bytes) where !integerColumns.contains(column):
                guard let decoded = String(validating: bytes, as: UTF8.self), !decoded.contains("\0") else {
                    throw Unrepresentable(column: column)
                }
                text = decoded
            default: throw Unrepresentable(column: column)
            }
            if column == "time" {
                guard let text else { throw Unrepresentable(column: column) }
                if EventStorage.milliseconds(storedText: text) != nil {
                    fields.time = text + "+00"  // the canonical text is UTC
                } else {
                    (fields.time, fields.storedTime) = (Timestamp.iso(time), text)
                }
            } else {
                fields.values[column] = text
            }
        }
        return fields
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
