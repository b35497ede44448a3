import Foundation
import GRDB
import GitKit

/// The audit log: the one owner of the SQLite database, its migrations and every query.
/// WAL with a busy timeout, so that many hook processes can write while others read.
public final class AuditStore {
    private let queue: DatabaseQueue
    public let location: AuditLocation

    /// How long a writer waits for another before giving up (the spool file then waits for the next drain).
    public static let busyTimeout: TimeInterval = 10

    public init(location: AuditLocation, readOnly: Bool = false) throws {
        self.location = location
        let path = location.databasePath
        do {
            if !readOnly {
                let created = try Self.createFileIfMissing(path: path, shared: location.shared)
                if created { try? location.prepareRepositoryDirectories() }
            }
            var configuration = Configuration()
            configuration.busyMode = .timeout(Self.busyTimeout)
            configuration.journalMode = .wal
            configuration.readonly = readOnly
            configuration.label = "refuge.audit"
            queue = try Self.openQueue(path: path, configuration: configuration, migrating: !readOnly)
        } catch let error as AuditStoreError {
            throw error
        } catch {
            throw AuditStoreError.cannotOpen(path: path, reason: Self.describe(error))
        }
    }

    /// An empty log in memory with the current schema, for reading where nothing was ever recorded:
    /// commands answer as they would on an empty file, and nothing is created on disk.
    public static func empty(location: AuditLocation) throws -> AuditStore {
        try AuditStore(location: location, queue: DatabaseQueue())
    }

    private init(location: AuditLocation, queue: DatabaseQueue) throws {
        self.location = location
        try Self.migrate(queue)
        self.queue = queue
    }

    /// Opens the database (and brings its schema up to date). Setting up WAL on a new file, or a
    /// migration's lock upgrade, can meet another process doing the same and get SQLITE_BUSY at once,
    /// without the busy timeout's wait: that is retried for up to the busy timeout.
    private static func openQueue(path: String, configuration: Configuration, migrating: Bool) throws -> DatabaseQueue {
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do {
                let queue = try DatabaseQueue(path: path, configuration: configuration)
                if migrating { try migrate(queue) }
                return queue
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
                if Date() > deadline { throw error }
                usleep(useconds_t.random(in: 5_000...25_000))
            }
        }
    }

    /// Runs the migrations. Several processes may open a new log at once (hooks draining in parallel):
    /// GRDB decides what to run before it takes the write lock, so the loser of that race fails on a
    /// migration the winner already applied (each one is its own IMMEDIATE transaction, rolled back on
    /// failure). It waits and looks again, until the schema is complete.
    private static func migrate(_ queue: DatabaseQueue) throws {
        let migrator = AuditMigrations.migrator
        for attempt in 1...100 {
            do {
                try migrator.migrate(queue)
                return
            } catch {
                if try queue.read(migrator.hasCompletedMigrations) { return }
                if attempt == 100 { throw error }
                usleep(20_000)
            }
        }
    }

    // MARK: Writing

    /// Appends `events` in one IMMEDIATE transaction, each sealed into the hash chain. With a `receipt`, a
    /// second call with the same receipt appends nothing (draining a spool file twice must not record it twice).
    /// - Returns: the events with their ids; empty if the receipt was already there.
    @discardableResult
    public func append(_ events: [AuditEvent], receipt: String? = nil) throws -> [AuditEvent] {
        try write { db in
            if let receipt {
                if try SpoolReceipt.fetchOne(db, key: receipt) != nil { return [] }
                try SpoolReceipt(key: receipt, drainedAt: Date()).insert(db)  // its date as text: EventStorage.storedText
            }
            var saved: [AuditEvent] = []
            var previous = try AuditChain.head(db)  // read inside the IMMEDIATE transaction: no fork
            for event in events {
                let inserted = try event.inserted(db)
                previous = try AuditChain.seal(id: inserted.id!, db, previous: previous)
                saved.append(inserted)
            }
            return saved
        }
    }

    // MARK: Reading

    public func events(_ filter: EventFilter) throws -> [AuditEvent] {
        try read { db in
            let (sql, arguments) = try Self.query(filter, db)
            let events = try AuditEvent.fetchAll(db, sql: sql, arguments: arguments)
            return filter.limit == nil ? events : events.reversed()
        }
    }

    /// The log as an outbox: up to `limit` sealed events with ids above `cursor`, in id order (every
    /// repository of the database). Ids are consecutive and never reused, and a row is sealed in the
    /// transaction that inserts it, so a reader that keeps the last id it handled (its cursor, stored
    /// where it delivers) sees every event exactly once, in the chain's order. What a new destination
    /// (the fleet's central store, say) reads: nothing on the push path waits for it.
    public func events(after cursor: Int64, limit: Int) throws -> [AuditEvent] {
        try read { db in
            try AuditEvent.filter(sql: "id > ? AND hash IS NOT NULL", arguments: [cursor]).order(Column("id")).limit(limit).fetchAll(db)
        }
    }

    /// The SQL `events` runs for `filter` (tests read its EXPLAIN QUERY PLAN). Rewrites are read through the
    /// partial index that holds nothing else: without statistics SQLite rates it no better than the index
    /// of all of a repository's events by time, which at a million events reads a hundred times more rows.
    static func query(_ filter: EventFilter, _ db: Database) throws -> (String, StatementArguments) {
        var request = request(filter)
        if let limit = filter.limit {
            request = request.order(Column("time").desc, Column("id").desc).limit(limit)
        } else {
            request = request.order(Column("time"), Column("id"))
        }
        return try sql(request, db, rewritesOnly: filter.rewrites)
    }

    /// The SQL of `request`, reading through the partial index of rewrites when `rewritesOnly`.
    static func sql<T>(_ request: QueryInterfaceRequest<T>, _ db: Database, rewritesOnly: Bool) throws
        -> (String, StatementArguments)
    {
        let statement = try request.makePreparedRequest(db).statement
        var sql = statement.sql
        if rewritesOnly, let from = sql.range(of: "FROM \"event\"") {
            sql.replaceSubrange(from, with: "FROM \"event\" INDEXED BY event_rewrite_on_time")
        }
        return (sql, statement.arguments)
    }

    /// The query `events` runs for `filter`, before ordering.
    static func request(_ filter: EventFilter) -> QueryInterfaceRequest<AuditEvent> {
        var request = AuditEvent.all()
        if let repository = filter.repository { request = request.filter(sql: EventStorage.inRepositorySQL, arguments: [repository]) }
        if let side = filter.side { request = request.filter(Column("side") == side.rawValue) }
        if let ref = filter.ref {
            request = request.filter(EventFilter.candidateNames(for: ref).contains(Column("ref")))
        }
        if filter.rewrites {
            request = request.filter(sql: "kind IN \(EventFilter.rewriteKindsSQL) AND \(EventFilter.rewriteRoleSQL)")
            if filter.statuses.isEmpty { request = request.filter(sql: EventFilter.happenedSQL) }
        }
        if !filter.kinds.isEmpty {
            request = request.filter(filter.kinds.map(\.rawValue).contains(Column("kind")))
        }
        if !filter.statuses.isEmpty {
            request = request.filter(filter.statuses.map(\.rawValue).contains(Column("status")))
        }
        if let since = filter.since { request = request.filter(Column("time") >= EventStorage.milliseconds(since)) }
        if let until = filter.until { request = request.filter(Column("time") <= EventStorage.milliseconds(until)) }
        if let pusher = filter.pusher { request = request.filter(Column("pusher") == pusher) }
        return request
    }

    /// Every repository the log has events for.
    public func repositories() throws -> [String] {
        // From the daily counts: the same repositories, without reading an index entry per event. One path
        // per identity, so that a report of "all" counts a moved repository once: the newest recorded path
        // that still exists, else the newest.
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT path, identity FROM repository
                WHERE identity IN (
                    SELECT identity FROM repository WHERE id IN (SELECT repository_id FROM event_day WHERE count != 0))
                ORDER BY id
                """)
        }
        var chosen: [String: String] = [:]
        for row in rows {
            let path: String = row["path"], identity: String = row["identity"] ?? path
            if chosen[identity] == nil || FileManager.default.fileExists(atPath: path) { chosen[identity] = path }
        }
        return chosen.values.sorted()
    }

    /// Every recovery recorded for `repository`, oldest first.
    public func recoveries(in repository: String) throws -> [AuditEvent] {
        try read { db in
            try AuditEvent.filter(sql: EventStorage.inRepositorySQL, arguments: [repository]).filter(sql: Listing.recoveries.condition)
                .order(Column("time"), Column("id")).fetchAll(db)
        }
    }

    public func event(id: Int64) throws -> AuditEvent? {
        try read { db in try AuditEvent.fetchOne(db, key: id) }
    }

    public struct Summary: Sendable {
        public let eventCount: Int
        public let lastEvent: AuditEvent?
    }

    public func summary(repository: String?) throws -> Summary {
        try read { db in
            var request = AuditEvent.all()
            if let repository { request = request.filter(sql: EventStorage.inRepositorySQL, arguments: [repository]) }
            return Summary(
                eventCount: try request.fetchCount(db),
                lastEvent: try request.order(Column("time").desc, Column("id").desc).fetchOne(db))
        }
    }

    /// What the log last saw `ref` become in `repository` (server and local rows: a client row is the remote's ref).
    func lastRecordedValue(of ref: String, repository: String) throws -> RecordedValue {
        try read { db in
            let last = try AuditEvent
                .filter(sql: EventStorage.inRepositorySQL, arguments: [repository]).filter(Column("ref") == ref)
                .filter(Column("side") != Side.client.rawValue)  // a client row is the remote's ref
                .order(Column("time").desc, Column("id").desc)
                .fetchOne(db)
            guard let last else { return .neverRecorded }
            return RecordedValue(after: last.new)
        }
    }

    // MARK: Plumbing

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw AuditStoreError.cannotWrite(path: location.databasePath, reason: Self.describe(error))
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.read(body)
        } catch {
            throw AuditStoreError.cannotRead(path: location.databasePath, reason: Self.describe(error))
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "\(error.resultCode)" }
        return "\(error)"
    }

    /// Creates the database file (and its directory) with Refuge's permissions before SQLite opens it:
    /// 0600 in a 0700 directory, or 0660 in a setgid 2770 directory when the database is shared.
    /// SQLite gives its -wal and -shm files the database file's permissions.
    /// - Returns: whether it created the file.
    private static func createFileIfMissing(path: String, shared: Bool) throws -> Bool {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) { return false }
        let directory = (path as NSString).deletingLastPathComponent
        if !manager.fileExists(atPath: directory) {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
                chmod(directory, shared ? 0o2770 : 0o700)
            } catch {
                throw AuditStoreError.cannotOpen(path: path, reason: "cannot create \(directory): \(error.localizedDescription)")
            }
        }
        let mode: mode_t = shared ? 0o660 : 0o600
        let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw AuditStoreError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        fchmod(descriptor, mode)  // the umask may have narrowed it
        close(descriptor)
        return true
    }
}

/// A spool file already drained into the log.
struct SpoolReceipt: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "spool_receipt"
    static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
    static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    /// Written as GRDB writes dates, without its DateFormatter (EventStorage.storedText).
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { EventStorage.storedText($0) }
    }

    /// Read back the same way (EventStorage.storedDate), without GRDB's calendar.
    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { EventStorage.storedDate($0) }
    }
    var key: String
    var drainedAt: Date
}

public enum AuditStoreError: Error, CustomStringConvertible, Sendable {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotRead(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open the audit log \(path) as \(Identity.accountName(uid: geteuid())): \(reason); check "
                + "refuge.database or REFUGE_DATABASE, and refuge.sharedDatabase where several accounts write it "
                + "(git refuge status shows what waits in the spool meanwhile)"
        case .cannotWrite(let path, let reason):
            return "cannot write to the audit log \(path) as \(Identity.accountName(uid: geteuid())): \(reason)"
        case .cannotRead(let path, let reason):
            return "cannot read the audit log \(path): \(reason)"
        }
    }
}
