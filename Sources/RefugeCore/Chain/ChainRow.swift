import Foundation
import GRDB
import GRDBSQLite

/// A row of the log as the chain reads it: its id, its stored hash, and the value of each chained column
/// (AuditChain.columns) as its hash covers it.
struct ChainRow {
    let id: Int64
    /// The stored hash as 64 hex digits; nil for a row not sealed.
    let storedHash: String?
    let values: [AuditChain.Value]
    /// The time as stored since v7 (integer milliseconds), when it is: its text in `values` is then the
    /// canonical text of that time, and a reader needs no parse to know the date.
    let milliseconds: Int64?

    /// Steps `statement` (a selection of `AuditChain.selection`, or one of its older forms, with
    /// `columns` chained columns) through its rows, reading each straight from SQLite's statement: one
    /// call per value, and no `Row` or `DatabaseValue` array between. A ship and a verify read a million
    /// rows; GRDB's general decoding of 63 columns (storage class, value and bytes of each) was half a
    /// ship's CPU (Docs/Fleet.md, "Measured").
    static func forEach(_ statement: Statement, arguments: StatementArguments = [], columns: Int,
                        _ body: (ChainRow) throws -> Void) throws {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        let handle = statement.sqliteStatement
        while try rows.next() != nil {
            try body(ChainRow(handle, columns: columns))
        }
    }

    /// The row `statement` is on.
    private init(_ handle: SQLiteStatement, columns: Int) {
        id = sqlite3_column_int64(handle, 0)
        storedHash = sqlite3_column_type(handle, 1) == SQLITE_NULL ? nil : String(decoding: Self.bytes(handle, 1), as: UTF8.self)
        var values: [AuditChain.Value] = []
        values.reserveCapacity(columns)
        var milliseconds: Int64?
        for index in 0..<columns {
            let column = Int32(2 + index)
            let value: AuditChain.Value
            switch sqlite3_column_type(handle, column) {
            case SQLITE_NULL: value = .null
            case SQLITE_INTEGER:
                let number = sqlite3_column_int64(handle, column)
                value = AuditChain.chained(column: index, integer: number)
                if index == AuditChain.timeColumn, case .text = value { milliseconds = number }
            case SQLITE_FLOAT: value = .real(sqlite3_column_double(handle, column))
            case SQLITE_TEXT: value = .text(Self.bytes(handle, column))
            case SQLITE_BLOB:
                let blob = sqlite3_column_blob(handle, column)  // first, then the length
                let count = Int(sqlite3_column_bytes(handle, column))
                value = AuditChain.chained(column: index, blob: UnsafeRawBufferPointer(start: count > 0 ? blob : nil, count: count))
            default: value = .unknown
            }
            values.append(value)
        }
        self.values = values
        self.milliseconds = milliseconds
    }

    /// A TEXT value's bytes, whole (a string read as a C string would stop at a NUL byte).
    private static func bytes(_ handle: SQLiteStatement, _ column: Int32) -> [UInt8] {
        guard let text = sqlite3_column_text(handle, column) else { return [] }  // first, then the length (SQLite's rule)
        return Array(UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(handle, column))))
    }
}
