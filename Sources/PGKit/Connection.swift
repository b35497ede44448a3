internal import CLibpq
import Foundation

/// One connection to PostgreSQL through libpq, blocking, owned here and closed in `deinit`. Blocking calls
/// fit a short-lived command (`git refuge ship`); a long-running service would rather use postgres-nio
/// (Docs/Fleet.md says why not here).
public final class Connection {
    private let handle: OpaquePointer

    /// Connects with a libpq connection string or URI (`host=/run/postgresql dbname=refuge`,
    /// `postgresql://ship@db.example/refuge?sslmode=verify-full`, `service=refuge`): libpq's own parsing,
    /// so `PGSERVICEFILE`, `.pgpass`, `PG*` variables, `sslmode` and unix sockets work as admins expect.
    public init(_ conninfo: String, operation: String = "connecting to PostgreSQL") throws {
        guard let handle = PQconnectdb(conninfo) else {
            throw PGError(sqlState: nil, message: "out of memory", operation: operation)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PGError(sqlState: nil, message: message.isEmpty ? "cannot connect" : message, operation: operation)
        }
        self.handle = handle
        // Notices and a server's shutdown message go nowhere (libpq prints them on stderr by default): an
        // error reaches the user as one line of the command's own, through PGError.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        // Quiet: NOTICEs (CREATE … IF NOT EXISTS that exists) are not for the user.
        _ = try? execute("SET client_min_messages = warning", operation: "configuring the session")
    }

    deinit { PQfinish(handle) }

    /// The rows of a statement, as text (PostgreSQL's text format; nil for NULL).
    public struct Rows: Sendable {
        public let columns: [String]
        public let values: [[String?]]
        public var count: Int { values.count }
        public subscript(row: Int, column: String) -> String? {
            guard let index = columns.firstIndex(of: column) else { return nil }
            return values[row][index]
        }
    }

    /// Runs one statement with `$1`, `$2`… parameters sent apart from the SQL (never spliced into it).
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = [], operation: String) throws -> Rows {
        let result = withParameters(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try rows(of: result, operation: operation)
    }

    /// Runs several statements without parameters (a migration): libpq's simple query protocol.
    public func executeScript(_ sql: String, operation: String) throws {
        _ = try rows(of: PQexec(handle, sql), operation: operation)
    }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        try execute("BEGIN", operation: operation)
        do {
            let value = try body()
            try execute("COMMIT", operation: operation)
            return value
        } catch {
            _ = try? execute("ROLLBACK", operation: operation)
            throw error
        }
    }

    /// Sends `rows` (already in COPY's text format: tab-separated, `\N` for NULL, one line each) into
    /// `COPY table (columns) FROM STDIN`.
    public func copy(into table: String, columns: [String], rows text: String, operation: String) throws {
        try copy(into: table, columns: columns, bytes: Array(text.utf8), operation: operation)
    }

    /// The same, the rows already as UTF-8 bytes (a large batch, built without a String).
    public func copy(into table: String, columns: [String], bytes: [UInt8], operation: String) throws {
        let start = PQexec(handle, "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN")
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            _ = try rows(of: start, operation: operation)
            throw PGError(sqlState: nil, message: "COPY did not start", operation: operation)
        }
        PQclear(start)
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: max(buffer.count, 1)) {
                PQputCopyData(handle, $0, Int32(buffer.count))
            }
        }
        guard sent == 1, PQputCopyEnd(handle, nil) == 1 else {
            throw PGError(sqlState: nil, message: String(cString: PQerrorMessage(handle)), operation: operation)
        }
        var failure: PGError?
        while let result = PQgetResult(handle) {
            do { _ = try self.rows(of: result, operation: operation) } catch let error as PGError { failure = failure ?? error }
        }
        if let failure { throw failure }
    }

    /// `name` quoted as an SQL identifier (libpq's PQescapeIdentifier): for the statements that cannot
    /// take a parameter where a name goes (GRANT … TO role).
    public func quoteIdentifier(_ name: String) throws -> String {
        guard let quoted = PQescapeIdentifier(handle, name, name.utf8.count) else {
            throw PGError(sqlState: nil, message: String(cString: PQerrorMessage(handle)), operation: "quoting the name \(name)")
        }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    /// `text` as COPY's text format spells a value.
    public static func copyField(_ text: String?) -> String {
        guard let text else { return "\\N" }
        var escaped = ""
        for character in text.unicodeScalars {
            switch character {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    // MARK: Plumbing

    private func rows(of result: OpaquePointer?, operation: String) throws -> Rows {
        guard let result else {
            throw PGError(sqlState: nil, message: String(cString: PQerrorMessage(handle)), operation: operation)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN, PGRES_EMPTY_QUERY:
            break
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }  // PG_DIAG_SQLSTATE
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PGError(sqlState: state, message: message, operation: operation)
        }
        let columnCount = Int(PQnfields(result)), rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            values.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return Rows(columns: columns, values: values)
    }

    /// Calls `body` with the parameters as C strings that live for the call.
    private func withParameters<T>(_ parameters: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }
}
