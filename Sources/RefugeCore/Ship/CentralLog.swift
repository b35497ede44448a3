import Foundation
import GitKit
import PGKit

/// An event read from the central store, with the source it was shipped from.
public struct CentralEvent: Sendable {
    public let event: AuditEvent
    public let source: String
    public let host: String
}

/// `git refuge log --central`: the fleet's events, with the local log's filters and meanings.
public enum CentralLog {
    public static func events(_ filter: EventFilter, connection: Connection) throws -> [CentralEvent] {
        try CentralSchema.check(connection)
        let (sql, parameters) = query(filter)
        let rows = try connection.execute(sql, parameters, operation: "reading the central store's events")
        let events = try (0..<rows.count).map { try CentralQuery.event(rows, $0) }
        return filter.limit == nil ? events : events.reversed()
    }

    /// The statement `events` runs (its plan is checked in a test), and its parameters.
    static func query(_ filter: EventFilter) -> (sql: String, parameters: [String?]) {
        var query = CentralQuery(filter)
        let order = filter.limit == nil ? "ASC" : "DESC"
        let sql = """
            SELECT \(CentralQuery.eventColumns) \(query.from)
            ORDER BY e.time \(order), e.source_key \(order), e.seq \(order)
            \(filter.limit.map { "LIMIT \(query.parameter(String($0)))" } ?? "")
            """
        return (sql, query.parameters)
    }
}

/// The SQL of a central read: the local log's filter (EventFilter, with the same rules word for word),
/// narrowed to a host or a repository path for a report's breakdown; parameters sent apart.
struct CentralQuery {
    private(set) var conditions: [String] = []  // on the event as `e`, its source as `s`
    private(set) var parameters: [String?] = []

    init(_ filter: EventFilter, host: String? = nil, repositoryPath: String? = nil) {
        // By its sources, not the joined host: the planner then reads the (source, …) indexes.
        if let host { conditions.append("e.source_key IN (SELECT key FROM source WHERE host = \(parameter(host)))") }
        if let repositoryPath { conditions.append("e.repository_path = \(parameter(repositoryPath))") }
        if let side = filter.side { conditions.append("e.side = \(parameter(side.rawValue))") }
        if let ref = filter.ref {
            conditions.append("e.ref IN (\(EventFilter.candidateNames(for: ref).map { parameter($0) }.joined(separator: ", ")))")
        }
        if !filter.kinds.isEmpty {
            conditions.append("e.kind IN (\(filter.kinds.map(\.rawValue).sorted().map { parameter($0) }.joined(separator: ", ")))")
        }
        if filter.rewrites {
            // The same rule as the local log's (EventFilter): history that was rewritten, not git's bookkeeping.
            conditions.append("e.kind IN \(EventFilter.rewriteKindsSQL) AND e.hook != 'recover' AND NOT \(RefRole.bookkeepingSQL("e.ref"))")
            if filter.statuses.isEmpty { conditions.append("e.status IN ('done', 'accepted', 'confirmed')") }
        }
        if !filter.statuses.isEmpty {
            conditions.append("e.status IN (\(filter.statuses.map(\.rawValue).sorted().map { parameter($0) }.joined(separator: ", ")))")
        }
        if let since = filter.since { conditions.append("e.time >= \(parameter(Timestamp.iso(since)))::timestamptz") }
        if let until = filter.until { conditions.append("e.time <= \(parameter(Timestamp.iso(until)))::timestamptz") }
        if let pusher = filter.pusher { conditions.append("e.pusher = \(parameter(pusher))") }
    }

    mutating func parameter(_ value: String) -> String {
        parameters.append(value)
        return "$\(parameters.count)"
    }

    /// One more condition (a listing's), written against the event as `e`.
    mutating func and(_ condition: String) { conditions.append(condition) }

    /// `FROM event e JOIN source s … WHERE …`: for rows, which carry their source's host.
    var from: String {
        "FROM event e JOIN source s ON s.key = e.source_key" + whereClause
    }

    /// `FROM event e WHERE …`: for counts, which need no host (every condition is on `e`). Without the
    /// join PostgreSQL answers min and max from the time index, and a rewrite count from the rewrites'
    /// covering indexes alone (CentralSchema v4).
    var fromEvents: String {
        "FROM event e" + whereClause
    }

    private var whereClause: String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// The columns `event(_:_:)` decodes (ids and batches as the text the local log holds, CentralChain).
    static let eventColumns = """
        s.id AS source, s.host, e.seq, (extract(epoch FROM e.time) * 1000)::bigint AS ms, e.side, e.hook,
        e.repository_path, e.ref, \(CentralChain.textSQL("old", alias: "e")) AS old, \(CentralChain.textSQL("new", alias: "e")) AS new,
        e.kind, e.dropped, e.pusher, e.remote, e.url, e.local_ref, e.push_options, e.status,
        \(CentralChain.textSQL("batch", alias: "e")) AS batch, e.process_id, e.reason, e.undoes, e.address
        """

    static func event(_ rows: Connection.Rows, _ index: Int) throws -> CentralEvent {
        func text(_ column: String) -> String? { rows[index, column] }
        func word<T: RawRepresentable<String>>(_ column: String) throws -> T {
            guard let value = text(column).flatMap(T.init(rawValue:)) else {
                throw StoredValueError(table: "central event", column: column, value: text(column) ?? "NULL",
                                       expected: "a value this version of Refuge knows")
            }
            return value
        }
        let old = text("old").flatMap(ObjectID.init(hex:)), new = text("new").flatMap(ObjectID.init(hex:))
        guard let update = RefUpdate(ref: text("ref") ?? "", old: old, new: new) else {
            throw StoredValueError(table: "central event", column: "new", value: "NULL", expected: "an object id (old or new)")
        }
        var event = AuditEvent(
            time: Date(timeIntervalSince1970: Double(Int64(text("ms") ?? "0") ?? 0) / 1000), side: try word("side"),
            source: try word("hook"), repository: text("repository_path") ?? "", update: update, kind: try word("kind"),
            dropped: text("dropped").flatMap { Int($0) }, status: try word("status"), batch: text("batch") ?? "",
            pusher: text("pusher"), remote: text("remote"), url: text("url"), localRef: text("local_ref"),
            pushOptions: try text("push_options").map { try JSONDecoder().decode([String].self, from: Data($0.utf8)) },
            processID: text("process_id").flatMap { Int64($0) }, reason: text("reason"), undoes: text("undoes").flatMap { Int64($0) },
            address: text("address"))
        event.id = text("seq").flatMap { Int64($0) }
        return CentralEvent(event: event, source: text("source") ?? "", host: text("host") ?? "")
    }
}
