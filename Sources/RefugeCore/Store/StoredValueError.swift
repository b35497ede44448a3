import GRDB

/// A value in the audit log that this version of Refuge cannot read back: a row written by hand, by a
/// newer version, or damaged. It names the table, the column and the value, so that `verify` and a bug
/// report can point at the row; it is not a SQLite failure (`DatabaseError` stays for those).
public struct StoredValueError: Error, CustomStringConvertible, Sendable {
    public let table: String
    public let column: String
    public let value: String
    /// What the column should hold ("an object id", "a time", "a value this version of Refuge knows").
    public let expected: String

    init(table: String = "event", column: String, value: some CustomStringConvertible, expected: String) {
        self.table = table
        self.column = column
        self.value = value.description
        self.expected = expected
    }

    public var description: String {
        "\(table) column \(column) holds \(value), which is not \(expected)"
    }
}
