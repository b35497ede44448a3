internal import CLibpq
import Foundation

/// A PostgreSQL failure: the server's SQLSTATE and message when it answered, what Refuge was doing, and
/// never a password (messages that quote a connection string are redacted).
public struct PGError: Error, CustomStringConvertible, Sendable {
    /// The SQLSTATE (`23505` unique violation, `55P03` lock not available, `28P01` bad password…); nil when
    /// no server answered (it cannot be reached).
    public let sqlState: String?
    /// PostgreSQL's or libpq's message, first line.
    public let message: String
    /// What was being done ("connecting to the central store", "shipping events 1-500").
    public let operation: String

    public var description: String { "\(operation): \(message)" }

    /// SQLSTATE classes and codes callers act on.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isLockNotAvailable: Bool { sqlState == "55P03" }
    public var isUndefinedTable: Bool { sqlState == "42P01" }

    init(sqlState: String?, message: String, operation: String) {
        self.sqlState = sqlState
        self.message = Self.redacted(message.split(separator: "\n").first.map(String.init) ?? message)
        self.operation = operation
    }

    /// `password=…` and `user:password@` removed from any text that quotes a connection string.
    public static func redacted(_ text: String) -> String {
        var result = text.replacingOccurrences(of: #"password\s*=\s*('([^'\\]|\\.)*'|\S+)"#, with: "password=***",
                                               options: .regularExpression)
        result = result.replacingOccurrences(of: #"(postgres(ql)?://[^:/@\s]*):[^@\s]*@"#, with: "$1:***@", options: .regularExpression)
        return result
    }
}
