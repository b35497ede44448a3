import Foundation
import GRDB

/// A row of `event_day`: how many events of one repository on one UTC day had this kind, side, status,
/// hook and ref role (history or git's bookkeeping, RefRole; since v8). Triggers keep the table (migration
/// v6); reports read it instead of the events, so that their
/// figures cost the same at a million events as at a hundred.
public struct EventDay: Sendable, Hashable, FetchableRecord {
    /// `2026-11-22` (UTC).
    public let day: String
    public let kind: UpdateKind
    public let side: Side
    public let status: EventStatus
    public let source: EventSource
    /// The ref is git's bookkeeping (RefRole): HEAD's detached steps, the stash…
    public let bookkeeping: Bool
    public let count: Int

    init(day: String, kind: UpdateKind, side: Side, status: EventStatus, source: EventSource, bookkeeping: Bool, count: Int) {
        (self.day, self.kind, self.side, self.status, self.source) = (day, kind, side, status, source)
        (self.bookkeeping, self.count) = (bookkeeping, count)
    }

    public init(row: Row) throws {
        day = try row.decode(String.self, forColumn: "day")
        kind = try row.vocabulary("kind", in: "event_day")
        side = try row.vocabulary("side", in: "event_day")
        status = try row.vocabulary("status", in: "event_day")
        source = try row.vocabulary("hook", in: "event_day")
        bookkeeping = try row.decode(Bool.self, forColumn: "bookkeeping")
        count = try row.decode(Int.self, forColumn: "count")
    }

    /// The UTC day of a `time` column (integer milliseconds since v7; text in GRDB's format before).
    static func daySQL(_ column: String) -> String {
        "(CASE typeof(\(column)) WHEN 'integer' THEN strftime('%Y-%m-%d', \(column) / 1000, 'unixepoch') "
            + "ELSE substr(\(column), 1, 10) END)"
    }

    /// The trigger statement that counts `row` (`NEW` or `OLD`) in or out of its day (v8).
    static func countSQL(row: String, by delta: String) -> String {
        """
        INSERT INTO event_day VALUES (\(row).repository_id, \(daySQL("\(row).time")), \(row).kind, \(row).side, \
        \(row).status, \(row).hook, \(RefRole.bookkeepingSQL("\(row).ref")), 0 \(delta)) \
        ON CONFLICT DO UPDATE SET count = count \(delta);
        """
    }

    /// `countSQL` as migration v7 wrote it (no ref role).
    static func v7CountSQL(row: String, by delta: String) -> String {
        """
        INSERT INTO event_day VALUES (\(row).repository_id, \(daySQL("\(row).time")), \(row).kind, \(row).side, \
        \(row).status, \(row).hook, 0 \(delta)) ON CONFLICT DO UPDATE SET count = count \(delta);
        """
    }

    /// `countSQL` as migration v6 wrote it (the repository's path, text times): that migration must keep
    /// doing what it did for a log that comes from before it.
    static func v6CountSQL(row: String, by delta: String) -> String {
        """
        INSERT INTO event_day VALUES (\(row).repository, substr(\(row).time, 1, 10), \(row).kind, \(row).side, \
        \(row).status, \(row).hook, 0 \(delta)) ON CONFLICT DO UPDATE SET count = count \(delta);
        """
    }

    /// `event_day` keyed by repository id, filled from the events, and the triggers that keep it (v7).
    static let v7SQL = """
        CREATE TABLE event_day (
            repository_id INTEGER NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL,
            status TEXT NOT NULL, hook TEXT NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (repository_id, day, kind, side, status, hook)) WITHOUT ROWID;
        INSERT INTO event_day
            SELECT repository_id, \(daySQL("time")), kind, side, status, hook, count(*) FROM event
            GROUP BY 1, 2, 3, 4, 5, 6;
        CREATE TRIGGER event_day_insert AFTER INSERT ON event BEGIN
            \(v7CountSQL(row: "NEW", by: "+ 1"))
        END;
        CREATE TRIGGER event_day_delete AFTER DELETE ON event BEGIN
            \(v7CountSQL(row: "OLD", by: "- 1"))
        END;
        CREATE TRIGGER event_day_update AFTER UPDATE OF time, repository_id, kind, side, status, hook ON event BEGIN
            \(v7CountSQL(row: "OLD", by: "- 1"))
            \(v7CountSQL(row: "NEW", by: "+ 1"))
        END;
        """

    /// v8: `event_day` with the ref's role (RefRole), so that a report counts bookkeeping apart from forced
    /// updates and deletions without reading the events; rebuilt from the events.
    static let v8SQL = """
        DROP TRIGGER event_day_insert;
        DROP TRIGGER event_day_delete;
        DROP TRIGGER event_day_update;
        DROP TABLE event_day;
        CREATE TABLE event_day (
            repository_id INTEGER NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL,
            status TEXT NOT NULL, hook TEXT NOT NULL, bookkeeping INTEGER NOT NULL, count INTEGER NOT NULL,
            PRIMARY KEY (repository_id, day, kind, side, status, hook, bookkeeping)) WITHOUT ROWID;
        INSERT INTO event_day
            SELECT repository_id, \(daySQL("time")), kind, side, status, hook, \(RefRole.bookkeepingSQL("ref")), count(*)
            FROM event GROUP BY 1, 2, 3, 4, 5, 6, 7;
        CREATE TRIGGER event_day_insert AFTER INSERT ON event BEGIN
            \(countSQL(row: "NEW", by: "+ 1"))
        END;
        CREATE TRIGGER event_day_delete AFTER DELETE ON event BEGIN
            \(countSQL(row: "OLD", by: "- 1"))
        END;
        CREATE TRIGGER event_day_update AFTER UPDATE OF time, repository_id, ref, kind, side, status, hook ON event BEGIN
            \(countSQL(row: "OLD", by: "- 1"))
            \(countSQL(row: "NEW", by: "+ 1"))
        END;
        """

    /// `day` of `date`, as `daySQL` computes it.
    static func day(of date: Date) -> String {
        String(Timestamp.iso(date).prefix(10))
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    static func startOfDay(_ date: Date) -> Date { utc.startOfDay(for: date) }
    static func startOfNextDay(_ date: Date) -> Date { utc.date(byAdding: .day, value: 1, to: startOfDay(date))! }
}

extension Row {
    /// A column holding one of a vocabulary's words (`kind`, `side`…), with an error naming any other.
    func vocabulary<T: RawRepresentable<String>>(_ column: String, in table: String) throws -> T {
        let raw: String = try decode(String.self, forColumn: column)
        guard let value = T(rawValue: raw) else {
            throw StoredValueError(table: table, column: column, value: raw, expected: "a value this version of Refuge knows")
        }
        return value
    }
}

extension AuditStore {
    /// How many events `filter` selects (its `limit` aside), per day, kind, side, status and hook.
    /// A filter of repository and period reads `event_day`: the whole days from it, and a first or last day
    /// the period starts or ends inside from the events (through the index on repository and time). A filter
    /// on a ref, a pusher, a side or kinds counts the events themselves.
    public func dailyCounts(_ filter: EventFilter) throws -> [EventDay] {
        try read { db in
            var unlimited = filter
            unlimited.limit = nil
            guard filter.ref == nil, filter.pusher == nil, filter.side == nil, filter.kinds.isEmpty, !filter.rewrites,
                  filter.statuses.isEmpty
            else {
                return try Self.countedEvents(Self.request(unlimited), db)
            }
            var days: [String] = []
            var arguments: StatementArguments = []
            if let repository = filter.repository {
                days.append(EventStorage.inRepositorySQL)
                arguments += [repository]
            }
            var partial: [QueryInterfaceRequest<AuditEvent>] = []
            if let since = filter.since {
                days.append("day > ?")
                arguments += [EventDay.day(of: since)]
                partial.append(
                    Self.request(unlimited).filter(Column("time") < EventStorage.milliseconds(EventDay.startOfNextDay(since))))
            }
            if let until = filter.until {
                days.append("day < ?")
                arguments += [EventDay.day(of: until)]
                if filter.since.map({ EventDay.day(of: $0) != EventDay.day(of: until) }) ?? true {
                    var last = unlimited
                    last.since = EventDay.startOfDay(until)
                    partial.append(Self.request(last))
                }
            }
            let whole = try EventDay.fetchAll(db, sql: """
                SELECT day, kind, side, status, hook, bookkeeping, sum(count) AS count FROM event_day
                \(days.isEmpty ? "" : "WHERE " + days.joined(separator: " AND "))
                GROUP BY day, kind, side, status, hook, bookkeeping HAVING sum(count) != 0
                """, arguments: arguments)
            return try whole + partial.flatMap { try Self.countedEvents($0, db) }
        }
    }

    private static func countedEvents(_ request: QueryInterfaceRequest<AuditEvent>, _ db: Database) throws -> [EventDay] {
        try request
            .select(sql: """
                \(EventDay.daySQL("time")) AS day, kind, side, status, hook, \(RefRole.bookkeepingSQL("ref")) AS bookkeeping,
                count(*) AS count
                """)
            .group(sql: "1, 2, 3, 4, 5, 6")
            .asRequest(of: EventDay.self)
            .fetchAll(db)
    }
}
