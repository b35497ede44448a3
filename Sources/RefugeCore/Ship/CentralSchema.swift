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
        ("v2: the chain's values, roles and retention", """
            -- What the central store needs to recompute every source's chain from its own rows: the push
            -- options as the exact text the local log hashed (jsonb would normalise it), and the time as the
            -- local log stored it when that is not the canonical text of `time` (rows from before its v7).
            ALTER TABLE event ALTER COLUMN push_options TYPE text USING push_options::text;
            ALTER TABLE event ADD COLUMN stored_time text;
            -- Who ships a source: the role that registered it. The shipping role may advance its own only.
            ALTER TABLE source ADD COLUMN shipper name NOT NULL DEFAULT current_user;
            -- What verify --central found last, for status --central.
            ALTER TABLE source ADD COLUMN verified_seq bigint, ADD COLUMN verified_at timestamptz, ADD COLUMN chain_problem text;
            -- Retention: the last event dropped with old partitions and its hash, where the chain resumes.
            ALTER TABLE source ADD COLUMN boundary_seq bigint NOT NULL DEFAULT 0, ADD COLUMN boundary_hash text;
            ALTER TABLE source ENABLE ROW LEVEL SECURITY;
            CREATE POLICY source_read ON source FOR SELECT USING (true);
            CREATE POLICY source_register ON source FOR INSERT WITH CHECK (shipper = current_user);
            CREATE POLICY source_advance ON source FOR UPDATE USING (shipper = current_user) WITH CHECK (shipper = current_user);
            ALTER TABLE event ENABLE ROW LEVEL SECURITY;
            CREATE POLICY event_read ON event FOR SELECT USING (true);
            CREATE POLICY event_ship ON event FOR INSERT
                WITH CHECK (source IN (SELECT id FROM source WHERE shipper = current_user));
            -- What became of the commits the newest rewrites of each repository dropped, as the source saw
            -- it at its last ship (the central store has events, not commits): report and show --central.
            CREATE TABLE dropped_commit (
                source text NOT NULL REFERENCES source (id),
                seq bigint NOT NULL,
                position integer NOT NULL,
                commit text NOT NULL,
                author_name text NOT NULL,
                author_email text NOT NULL,
                author_time timestamptz NOT NULL,
                summary text NOT NULL,
                state text NOT NULL,
                recovered_by bigint,
                observed_at timestamptz NOT NULL,
                PRIMARY KEY (source, seq, position)
            );
            ALTER TABLE dropped_commit ENABLE ROW LEVEL SECURITY;
            CREATE POLICY dropped_read ON dropped_commit FOR SELECT USING (true);
            CREATE POLICY dropped_ship ON dropped_commit FOR ALL
                USING (source IN (SELECT id FROM source WHERE shipper = current_user))
                WITH CHECK (source IN (SELECT id FROM source WHERE shipper = current_user));
            -- Events per source, repository, UTC day, kind, side, status, hook and bookkeeping, kept by each
            -- ship in the transaction of its batch (from the rows it really inserted): a report's counts
            -- read these instead of every event, as the local log's event_day.
            CREATE TABLE event_day (
                source text NOT NULL REFERENCES source (id),
                repository_path text NOT NULL,
                day date NOT NULL,
                kind text NOT NULL,
                side text NOT NULL,
                status text NOT NULL,
                hook text NOT NULL,
                bookkeeping boolean NOT NULL,
                count bigint NOT NULL,
                PRIMARY KEY (source, repository_path, day, kind, side, status, hook, bookkeeping)
            );
            ALTER TABLE event_day ENABLE ROW LEVEL SECURITY;
            CREATE POLICY event_day_read ON event_day FOR SELECT USING (true);
            CREATE POLICY event_day_ship ON event_day FOR ALL
                USING (source IN (SELECT id FROM source WHERE shipper = current_user))
                WITH CHECK (source IN (SELECT id FROM source WHERE shipper = current_user));
            -- The listings of a report, each through a partial index of the rows it reads.
            CREATE INDEX event_refusals_by_time ON event (time) WHERE status = 'rejected';
            CREATE INDEX event_unconfirmed_by_time ON event (time) WHERE status = 'attempted' AND side = 'client';
            CREATE INDEX event_recoveries_by_time ON event (time) WHERE hook = 'recover';
            -- A report's sections (a server's sources, a repository on one): their rewrites.
            CREATE INDEX event_rewrites_by_source ON event (source, repository_path, time) WHERE kind IN ('forced', 'delete');
            -- A shipping role does not own the event table, so it cannot create partitions: this function
            -- (the owner's rights, a fixed search path) creates the month's partition, one creator at a time.
            CREATE FUNCTION refuge_ensure_partition(at timestamptz) RETURNS void
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC' AS $$
            DECLARE
                start timestamptz := date_trunc('month', at, 'UTC');
                name text := 'event_' || to_char(start AT TIME ZONE 'UTC', 'YYYY_MM');
            BEGIN
                PERFORM pg_advisory_xact_lock(hashtext(@schema_literal@ || '.' || name));
                IF to_regclass(format('%I.%I', @schema_literal@, name)) IS NULL THEN
                    EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.event FOR VALUES FROM (%L) TO (%L)',
                                   @schema_literal@, name, @schema_literal@, start, start + interval '1 month');
                END IF;
            END $$;
            REVOKE ALL ON FUNCTION refuge_ensure_partition(timestamptz) FROM PUBLIC;
            """),
        ("v3: the pusher's address", """
            -- Where a server's push came from (the local log's v11): hashed by the chain only when set.
            ALTER TABLE event ADD COLUMN address text;
            """),
        ("v4: covering indexes of the rewrites", """
            -- A report counts and ranks the rewrites of the fleet and of every server and repository in it:
            -- with the columns those counts read in the rewrites' indexes, PostgreSQL answers them from the
            -- indexes alone (an index-only scan), not from one table page per rewrite. Rewrites are a small
            -- share of the events, so the columns cost little (Docs/Fleet.md, "Measured").
            DROP INDEX event_rewrites_by_time;
            CREATE INDEX event_rewrites_by_time ON event (time) INCLUDE (source, repository_path, ref, pusher, hook, status, kind, dropped)
                WHERE kind IN ('forced', 'delete');
            DROP INDEX event_rewrites_by_source;
            CREATE INDEX event_rewrites_by_source ON event (source, repository_path, time) INCLUDE (ref, pusher, hook, status, kind, dropped)
                WHERE kind IN ('forced', 'delete');
            """),
        ("v5: no foreign key from events to sources", """
            -- The key's check is a trigger run for every row inserted: a third of PostgreSQL's time in a
            -- ship (Docs/Fleet.md, "Measured"). A shipper registers its source before its first event, and
            -- the shipping role's policy (event_ship) admits only its own sources' rows; only the table's
            -- owner, the administrator, could insert past both.
            ALTER TABLE event DROP CONSTRAINT IF EXISTS event_source_fkey;
            """),
        ("v6: narrower events", """
            -- Every event row carried its source's 36-character id, in the primary key too, and its hash and
            -- ids as hex text: 541 bytes per event with its indexes (Docs/Fleet.md, "Measured"). Now the
            -- source is its integer key, the hash and ids are bytes (bytea), the batch a uuid. An id or batch
            -- not in the canonical text of its new type (only a hand makes one) keeps its text in a twin
            -- column, so that every value comes back exactly as the chain hashed it (CentralChain.textSQL).
            ALTER TABLE source ADD COLUMN key integer GENERATED ALWAYS AS IDENTITY UNIQUE;
            DROP POLICY event_ship ON event;  -- a column a policy names cannot change its type
            ALTER TABLE event ADD COLUMN old_text text, ADD COLUMN new_text text, ADD COLUMN batch_text text;
            UPDATE event SET old_text = CASE WHEN old !~ '^([0-9a-f]{40}|[0-9a-f]{64})$' THEN old END,
                             new_text = CASE WHEN new !~ '^([0-9a-f]{40}|[0-9a-f]{64})$' THEN new END,
                             batch_text = CASE WHEN batch !~ '^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$' THEN batch END
                WHERE old !~ '^([0-9a-f]{40}|[0-9a-f]{64})$' OR new !~ '^([0-9a-f]{40}|[0-9a-f]{64})$'
                   OR batch !~ '^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$';
            -- ALTER … TYPE … USING takes no subquery: the source's key comes from a function of this session.
            CREATE FUNCTION pg_temp.refuge_source_key(id text) RETURNS integer LANGUAGE sql STABLE
                AS 'SELECT key FROM source WHERE source.id = $1';
            -- One rewrite of the table for all of it. A hash that is not hex (an edit in the central store)
            -- keeps its bytes: verify --central still names its row.
            ALTER TABLE event
                ALTER COLUMN source TYPE integer USING pg_temp.refuge_source_key(source),
                ALTER COLUMN hash TYPE bytea USING CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN decode(hash, 'hex') ELSE convert_to(hash, 'UTF8') END,
                ALTER COLUMN old TYPE bytea USING CASE WHEN old_text IS NULL THEN decode(old, 'hex') END,
                ALTER COLUMN new TYPE bytea USING CASE WHEN new_text IS NULL THEN decode(new, 'hex') END,
                ALTER COLUMN batch DROP NOT NULL,
                ALTER COLUMN batch TYPE uuid USING CASE WHEN batch_text IS NULL THEN batch::uuid END;
            ALTER TABLE event RENAME COLUMN source TO source_key;
            ALTER TABLE event ADD CONSTRAINT event_batch CHECK (batch IS NOT NULL OR batch_text IS NOT NULL);
            CREATE POLICY event_ship ON event FOR INSERT
                WITH CHECK (source_key IN (SELECT key FROM source WHERE shipper = current_user));
            """),
        ("v7: no index by repository identity", """
            -- No query reads events by their repository's identity (a report's repository is its path on its
            -- server, and reads the rewrites' indexes and the daily counts): the index was a quarter of the
            -- bytes an event takes, and a text B-tree every ship kept (Docs/Fleet.md, "Measured").
            DROP INDEX event_by_repository;
            """),
        ("v8: repository identities as uuid", """
            -- Each event names its repository's identity (RepositoryIdentity: a UUID's lower-case text, 37
            -- bytes a row as text); as a uuid, 16. One the local log's trigger made (32 hex digits, from a
            -- binary older than its v9) keeps its text in the twin, so that it comes back as shipped.
            ALTER TABLE event ADD COLUMN repository_identity_text text;
            UPDATE event SET repository_identity_text = repository_identity
                WHERE repository_identity !~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
            ALTER TABLE event ALTER COLUMN repository_identity TYPE uuid
                USING CASE WHEN repository_identity_text IS NULL THEN repository_identity::uuid END;
            """),
        ("v9: daily counts and dropped commits by the source's key", """
            -- event names its source by the integer key (v6); the daily counts and the dropped commits still
            -- named it by its text id, so that Citus could not colocate them with event (Docs/Fleet.md). Now
            -- all three carry source_key. A row's source always exists (the foreign key): no NULL can come.
            DROP POLICY event_day_ship ON event_day;  -- a column a policy names cannot change its type
            DROP POLICY dropped_ship ON dropped_commit;
            ALTER TABLE event_day DROP CONSTRAINT event_day_source_fkey;
            ALTER TABLE dropped_commit DROP CONSTRAINT dropped_commit_source_fkey;
            CREATE OR REPLACE FUNCTION pg_temp.refuge_source_key(id text) RETURNS integer LANGUAGE sql STABLE
                AS 'SELECT key FROM source WHERE source.id = $1';
            ALTER TABLE event_day ALTER COLUMN source TYPE integer USING pg_temp.refuge_source_key(source);
            ALTER TABLE event_day RENAME COLUMN source TO source_key;
            ALTER TABLE event_day ADD FOREIGN KEY (source_key) REFERENCES source (key);
            ALTER TABLE dropped_commit ALTER COLUMN source TYPE integer USING pg_temp.refuge_source_key(source);
            ALTER TABLE dropped_commit RENAME COLUMN source TO source_key;
            ALTER TABLE dropped_commit ADD FOREIGN KEY (source_key) REFERENCES source (key);
            CREATE POLICY event_day_ship ON event_day FOR ALL
                USING (source_key IN (SELECT key FROM source WHERE shipper = current_user))
                WITH CHECK (source_key IN (SELECT key FROM source WHERE shipper = current_user));
            CREATE POLICY dropped_ship ON dropped_commit FOR ALL
                USING (source_key IN (SELECT key FROM source WHERE shipper = current_user))
                WITH CHECK (source_key IN (SELECT key FROM source WHERE shipper = current_user));
            """),
    ]

    /// Creates or brings the schema up to date (a new database, or one a newer migration list extends);
    /// `through` stops at that version (a test makes a store as an older Refuge left it).
    /// - Returns: the names of the migrations applied now.
    @discardableResult
    public static func migrate(_ connection: Connection, through last: Int? = nil) throws -> [String] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS refuge_schema (version integer PRIMARY KEY, name text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, operation: "creating the central store's schema table")
        var applied: [String] = []
        for (index, migration) in migrations.enumerated().prefix(last ?? migrations.count) {
            let version = index + 1
            try connection.transaction("applying \(migration.name)") {
                // One migrator at a time: a second `central init` waits, then finds the version there.
                try connection.execute("LOCK TABLE refuge_schema IN EXCLUSIVE MODE", operation: "locking the schema table")
                let done = try connection.execute("SELECT 1 FROM refuge_schema WHERE version = $1", [String(version)],
                                                  operation: "reading the schema version")
                guard done.count == 0 else { return }
                // The function the migrations create must name the schema they run in (its search path is fixed).
                let schema = try connection.execute("SELECT quote_literal(current_schema()) AS schema", operation: "reading the schema")
                let sql = migration.sql.replacingOccurrences(of: "@schema_literal@", with: schema[0, "schema"] ?? "'public'")
                try connection.executeScript(sql, operation: "applying \(migration.name)")
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

    /// The monthly partition that holds `date`, created if it does not exist yet (by the schema's own
    /// function: the shipping role may not create tables).
    static func ensurePartition(for date: Date, _ connection: Connection) throws {
        try connection.execute("SELECT refuge_ensure_partition($1::timestamptz)", [Timestamp.iso(date)],
                               operation: "creating the partition for \(Timestamp.iso(date).prefix(7))")
    }

    /// The privileges of a role, granted by `git refuge central grant` (Docs/Fleet.md).
    public enum Role: String, CaseIterable, Sendable {
        /// `git refuge ship`: register and advance its own sources, insert their events; never update or
        /// delete an event (row-level security keeps it to the sources it registered).
        case ship
        /// Every reading command with --central.
        case read
    }

    /// Grants `role`'s privileges to the PostgreSQL role `name` (which the administrator creates).
    public static func grant(_ role: Role, to name: String, _ connection: Connection) throws {
        try check(connection)
        let quoted = try connection.quoteIdentifier(name)
        let schema = try connection.execute("SELECT quote_ident(current_schema()) AS schema", operation: "reading the schema")[0, "schema"] ?? "public"
        let statements: [String]
        switch role {
        case .ship:
            statements = [
                "GRANT USAGE ON SCHEMA \(schema) TO \(quoted)",
                "GRANT SELECT ON refuge_schema TO \(quoted)",
                "GRANT SELECT, INSERT, UPDATE (host, database_path, first_seq, last_seq, last_hash, last_shipped_at) ON source TO \(quoted)",
                "GRANT SELECT, INSERT ON event TO \(quoted)",
                // Its own sources' rows only (row-level security): what the newest rewrites dropped, refreshed.
                "GRANT SELECT, INSERT, DELETE ON dropped_commit TO \(quoted)",
                "GRANT SELECT, INSERT, UPDATE (count) ON event_day TO \(quoted)",
                "GRANT EXECUTE ON FUNCTION refuge_ensure_partition(timestamptz) TO \(quoted)",
            ]
        case .read:
            statements = ["GRANT USAGE ON SCHEMA \(schema) TO \(quoted)",
                          "GRANT SELECT ON refuge_schema, source, event, event_day, dropped_commit TO \(quoted)"]
        }
        try connection.transaction("granting \(role.rawValue) to \(name)") {
            for statement in statements { try connection.execute(statement, operation: "granting \(role.rawValue) to \(name)") }
        }
    }
}

/// What stops a ship or a central read before any row moves, each saying what to do.
public enum CentralStoreError: Error, CustomStringConvertible, Sendable {
    case noDestination
    case notInitialized
    case outdatedSchema(found: Int, expected: Int)
    case busy(source: String)
    case copiedLog(source: String, shippedFrom: String, here: String)
    case notYourSource(source: String, shipper: String)
    case unrepresentable(eventID: Int64, column: String)

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
        case .unrepresentable(let eventID, let column):
            return "event #\(eventID) cannot be kept in the central store exactly as its hash covers it (its \(column) is not "
                + "UTF-8 text of the expected kind); nothing shipped. Please report it: Refuge never writes such a row"
        case .notYourSource(let source, let shipper):
            return "the source \(source) is shipped by the role \(shipper), not this one: ship it as \(shipper), "
                + "or give this log a source of its own (git refuge ship --new-source)"
        }
    }
}
