import Foundation
import PGKit

/// The central store's schema, in PostgreSQL: versioned migrations, applied by `git refuge central init`
/// and checked on every connection (Docs/Fleet.md).
public enum CentralSchema {
    /// The migrations, in order; each is applied once, in its own transaction.
    static let migrations: [(name: String, sql: String)] = [
        ("v1: sources and events", """
            CREATE TABLE source (
                id text PRIMARY KEY,
                host text NOT NULL,
                database_path text NOT NULL,
                first_seq bigint,
                last_seq bigint NOT NULL DEFAULT 0,
                last_hash text NOT NULL,
                last_shipped_at timestamptz
            );
            -- Every column of the local event, plus the source and the repository's identity and path.
            -- Partitioned by month on the recorded time; PostgreSQL requires the partition column in the key.
            CREATE TABLE event (
                source text NOT NULL REFERENCES source (id),
                seq bigint NOT NULL,
                time timestamptz NOT NULL,
                side text NOT NULL,
                hook text NOT NULL,
                repository_identity text,
                repository_path text NOT NULL,
                ref text NOT NULL,
                old text,
                new text,
                kind text NOT NULL,
                dropped integer,
                pusher text,
                remote text,
                url text,
                local_ref text,
                push_options jsonb,
                status text NOT NULL,
                batch text NOT NULL,
                process_id bigint,
                reason text,
                undoes bigint,
                hash text NOT NULL,
                PRIMARY KEY (source, seq, time)
            ) PARTITION BY RANGE (time);
            CREATE INDEX event_by_time ON event (time);
            CREATE INDEX event_rewrites_by_time ON event (time) WHERE kind IN ('forced', 'delete');
            CREATE INDEX event_by_ref ON event (ref, time);
            CREATE INDEX event_by_repository ON event (repository_identity, time);
            """),
    ]

    /// Creates or brings the schema up to date (a new database, or one a newer migration list extends).
    /// - Returns: the names of the migrations applied now.
    @discardableResult
    public static func migrate(_ connection: Connection) throws -> [String] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS refuge_schema (version integer PRIMARY KEY, name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, operation: "creating the central store's schema table")
        var applied: [String] = []
        for (index, migration) in migrations.enumerated() {
            let version = index + 1
            try connection.transaction("applying \(migration.name)") {
                // One migrator at a time: a second `central init` waits, then finds the version there.
                try connection.execute("LOCK TABLE refuge_schema IN EXCLUSIVE MODE", operation: "locking the schema table")
                let done = try connection.execute("SELECT 1 FROM refuge_schema WHERE version = $1", [String(version)],
                                                  operation: "reading the schema version")
                guard done.count == 0 else { return }
                try connection.executeScript(migration.sql, operation: "applying \(migration.name)")
                try connection.execute("INSERT INTO refuge_schema (version, name) VALUES ($1, $2)", [String(version), migration.name],
                                       operation: "recording \(migration.name)")
                applied.append(migration.name)
            }
        }
        return applied
    }

    /// Checks that the central store has every migration this version knows (`central init` applies them).
    public static func check(_ connection: Connection) throws {
        let rows: Connection.Rows
        do {
            rows = try connection.execute("SELECT max(version) AS version FROM refuge_schema", operation: "reading the central schema")
        } catch let error as PGError where error.isUndefinedTable {
            throw CentralStoreError.notInitialized
        }
        let version = rows.count > 0 ? Int(rows[0, "version"] ?? "0") ?? 0 : 0
        guard version >= migrations.count else { throw CentralStoreError.outdatedSchema(found: version, expected: migrations.count) }
    }

    /// The monthly partition that holds `date`, created if it does not exist yet.
    static func ensurePartition(for date: Date, _ connection: Connection) throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: date)
        guard let year = parts.year, let month = parts.month,
              let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)),
              let end = calendar.date(byAdding: .month, value: 1, to: start)
        else { return }
        let name = String(format: "event_%04d_%02d", year, month)
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS \(name) PARTITION OF event FOR VALUES FROM ('\(Timestamp.iso(start))') TO ('\(Timestamp.iso(end))')
            """, operation: "creating the partition \(name)")
    }
}

/// What stops a ship or a central read before any row moves, each saying what to do.
public enum CentralStoreError: Error, CustomStringConvertible, Sendable {
    case noDestination
    case notInitialized
    case outdatedSchema(found: Int, expected: Int)
    case busy(source: String)
    case copiedLog(source: String, shippedFrom: String, here: String)

    public var description: String {
        switch self {
        case .noDestination:
            return "no central store: give one with --to CONNINFO, or set it once with git config refuge.central CONNINFO"
        case .notInitialized:
            return "the central store has no Refuge schema yet: run git refuge central init"
        case .outdatedSchema(let found, let expected):
            return "the central store's schema is at version \(found), this git refuge needs \(expected): run git refuge central init"
        case .busy(let source):
            return "another git refuge ship is shipping this log (source \(source)) right now; nothing was shipped twice, try again when it is done"
        case .copiedLog(let source, let shippedFrom, let here):
            return "this log (source \(source)) was shipped from \(shippedFrom), and this is \(here): a copy must ship as a source "
                + "of its own (git refuge ship --new-source); the same log moved: git refuge ship --moved"
        }
    }
}
