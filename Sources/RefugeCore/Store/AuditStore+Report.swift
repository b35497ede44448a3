import Foundation
import GRDB

/// The audit log's queries for reports: sums and rankings computed by SQLite, and short listings of the
/// newest rows, each through an index that holds only the rows it reads (Docs/Performance.md).
extension AuditStore {
    /// Forced updates and deletions that dropped something: not refusals, not Refuge's own recoveries.
    public struct RewriteTotals: Sendable, Equatable {
        public let count: Int
        public let forced: Int
        public let deletions: Int
        /// The sum of the `dropped` counts recorded (unknown counts left out).
        public let commitsDropped: Int
    }

    /// The rows a report lists besides rewrites. Each condition is written as its partial index's is:
    /// SQLite uses a partial index only for a query that repeats the condition, literals included.
    public enum Listing: Sendable {
        case refusals, unconfirmedPushes, recoveries

        var condition: String {
            switch self {
            case .refusals: "status = 'rejected'"
            case .unconfirmedPushes: "status = 'attempted' AND side = 'client'"
            case .recoveries: "hook = 'recover'"
            }
        }

        /// Whether a day's row counts events of this listing: `condition` on the day's columns (a test
        /// checks that the two agree).
        func includes(_ day: EventDay) -> Bool {
            switch self {
            case .refusals: day.status == .rejected
            case .unconfirmedPushes: day.status == .attempted && day.side == .client
            case .recoveries: day.source == .recover
            }
        }
    }

    static func rewrites(_ filter: EventFilter) -> QueryInterfaceRequest<AuditEvent> {
        var rewrites = filter
        rewrites.rewrites = true
        rewrites.statuses = []
        rewrites.limit = nil
        return request(rewrites)
    }

    public func rewriteTotals(_ filter: EventFilter) throws -> RewriteTotals {
        try read { db in
            let request = Self.rewrites(filter).select(sql: """
                count(*), coalesce(sum(kind = 'forced'), 0), coalesce(sum(kind = 'delete'), 0), coalesce(sum(dropped), 0)
                """).asRequest(of: Row.self)
            let (sql, arguments) = try Self.sql(request, db, rewritesOnly: true)
            let row = try Row.fetchOne(db, sql: sql, arguments: arguments)!
            return RewriteTotals(count: row[0], forced: row[1], deletions: row[2], commitsDropped: row[3])
        }
    }

    /// The refs (or pushers, `unknown` for none) with the most rewrites, most first, then by name.
    public func mostRewritten(by key: RewriteKey, _ filter: EventFilter, limit: Int) throws -> [(name: String, count: Int)] {
        try read { db in
            let request = Self.rewrites(filter)
                .select(sql: "\(key.expression) AS name, count(*) AS count")
                .group(sql: "1")
                .order(sql: "count DESC, name")
                .limit(limit)
                .asRequest(of: Row.self)
            let (sql, arguments) = try Self.sql(request, db, rewritesOnly: true)
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { ($0["name"], $0["count"]) }
        }
    }

    public enum RewriteKey: Sendable {
        case ref, pusher
        var expression: String { self == .ref ? "ref" : "coalesce(pusher, 'unknown')" }
    }

    /// The `limit` newest rewrites, oldest first.
    public func newestRewrites(_ filter: EventFilter, limit: Int) throws -> [AuditEvent] {
        try read { db in
            let request = Self.rewrites(filter).order(Column("time").desc, Column("id").desc).limit(limit)
            let (sql, arguments) = try Self.sql(request, db, rewritesOnly: true)
            return try AuditEvent.fetchAll(db, sql: sql, arguments: arguments).reversed()
        }
    }

    static func rows(of listing: Listing, _ filter: EventFilter) -> QueryInterfaceRequest<AuditEvent> {
        var all = filter
        all.limit = nil
        return request(all).filter(sql: listing.condition)
    }

    /// The rows of `listing` in `filter`, oldest first: the `limit` newest, or all of them.
    public func listed(_ listing: Listing, _ filter: EventFilter, limit: Int? = nil) throws -> [AuditEvent] {
        try read { db in
            var request = Self.rows(of: listing, filter).order(Column("time").desc, Column("id").desc)
            if let limit { request = request.limit(limit) }
            return try request.fetchAll(db).reversed()
        }
    }

    /// How many rows of `listing` `filter` selects.
    public func count(_ listing: Listing, _ filter: EventFilter) throws -> Int {
        try read { db in try Self.rows(of: listing, filter).fetchCount(db) }
    }

    /// The times of the first and the last event `filter` selects.
    public func period(_ filter: EventFilter) throws -> (first: Date?, last: Date?) {
        try read { db in
            var all = filter
            all.limit = nil
            // Two queries: SQLite answers a lone min() or max() from the end of an index, not both at once.
            let first = try Self.request(all).select(sql: "min(time)").asRequest(of: DatabaseValue.self).fetchOne(db)
            let last = try Self.request(all).select(sql: "max(time)").asRequest(of: DatabaseValue.self).fetchOne(db)
            return (first.flatMap(EventStorage.date), last.flatMap(EventStorage.date))
        }
    }
}
