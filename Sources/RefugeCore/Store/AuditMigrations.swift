import Foundation
import GRDB

/// The audit log's schema, evolved only by appending migrations (never by editing one that shipped).
enum AuditMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: events and spool receipts") { db in
            try createEventTable(db, named: "event", statuses: ["attempted", "confirmed", "accepted", "done"], withReason: false)
            try createEventIndexes(db)
            // A spool file's key, once its records are in: draining the same file again imports nothing twice.
            try db.create(table: "spool_receipt") { t in
                t.primaryKey("key", .text)
                t.column("drained_at", .datetime).notNull()
            }
        }
        // Server policy refusals (pre-receive): a `rejected` status and the reason. SQLite cannot change a
        // CHECK constraint in place, so the table is rebuilt and its rows copied as they are.
        migrator.registerMigration("v2: rejected updates and their reason") { db in
            try createEventTable(
                db, named: "event_v2", statuses: ["attempted", "confirmed", "accepted", "done", "rejected"], withReason: true)
            try db.execute(sql: "INSERT INTO event_v2 SELECT *, NULL FROM event")
            try db.drop(table: "event")
            try db.rename(table: "event_v2", to: "event")
            try createEventIndexes(db)
        }
        // Pins (refs/refuge/kept/<oid>) and which recovery undid which update.
        migrator.registerMigration("v3: pins and recoveries") { db in
            try db.alter(table: "event") { t in
                t.add(column: "undoes", .integer).references("event", onDelete: .setNull)
            }
            try db.create(table: "pin") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("repository", .text).notNull()
                t.column("name", .text).notNull()
                t.column("target", .text).notNull()
                t.column("source_ref", .text)
                t.column("event_id", .integer).references("event", onDelete: .setNull)
                t.column("reason", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("removed_at", .datetime)
                t.column("removed_by", .text)
            }
            // One live row per pin ref; a pin pruned and made again gets a new row.
            try db.create(
                index: "pin_live_name", on: "pin", columns: ["repository", "name"], unique: true,
                condition: Column("removed_at") == nil)
        }
        // The hash chain (AuditChain): every row sealed, the existing ones in id order.
        migrator.registerMigration("v4: hash chain") { db in
            try db.alter(table: "event") { t in
                t.add(column: "prev_hash", .text)
                t.add(column: "hash", .text)
            }
            try AuditChain.sealUnsealedV4(db)
        }
        // Indexes for the hot queries at a million events (Docs/Performance.md; EXPLAIN QUERY PLAN is tested):
        // rewrites by time, a partial index holding only forced updates and deletions, and a repository's
        // events by time, which replaces the index on time alone (every read names its repository).
        migrator.registerMigration("v5: indexes for rewrites and periods") { db in
            try db.execute(sql: """
                CREATE INDEX event_rewrite_on_time ON event(repository, kind, time) WHERE kind IN \(EventFilter.rewriteKindsSQL)
                """)
            try db.create(index: "event_on_repository_time", on: "event", columns: ["repository", "time"])
            try db.drop(index: "event_on_time")
        }
        // What a report reads at a million events without reading the events (Docs/Performance.md):
        // - `event_day`, the number of events per repository, UTC day, kind, side, status and hook, kept
        //   by triggers in the same transaction as every insert (and delete or update, which only a hand
        //   editing the file makes: the figures then still match the rows);
        // - small partial indexes for the rows a report lists: refusals, unconfirmed pushes, recoveries
        //   and what each recovery undid;
        // - `chain_checkpoint`, how far the hash chain was last verified, so that a report verifies only
        //   the rows written since (`git refuge verify` always verifies every row).
        migrator.registerMigration("v6: daily counts, listing indexes, chain checkpoints") { db in
            try db.execute(sql: """
                CREATE TABLE event_day (
                    repository TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, side TEXT NOT NULL,
                    status TEXT NOT NULL, hook TEXT NOT NULL, count INTEGER NOT NULL,
                    PRIMARY KEY (repository, day, kind, side, status, hook)) WITHOUT ROWID;
                INSERT INTO event_day
                    SELECT repository, substr(time, 1, 10), kind, side, status, hook, count(*) FROM event
                    GROUP BY 1, 2, 3, 4, 5, 6;
                CREATE TRIGGER event_day_insert AFTER INSERT ON event BEGIN
                    \(EventDay.v6CountSQL(row: "NEW", by: "+ 1"))
                END;
                CREATE TRIGGER event_day_delete AFTER DELETE ON event BEGIN
                    \(EventDay.v6CountSQL(row: "OLD", by: "- 1"))
                END;
                CREATE TRIGGER event_day_update AFTER UPDATE OF time, repository, kind, side, status, hook ON event BEGIN
                    \(EventDay.v6CountSQL(row: "OLD", by: "- 1"))
                    \(EventDay.v6CountSQL(row: "NEW", by: "+ 1"))
                END;
                CREATE INDEX event_refusal ON event(repository, time) WHERE status = 'rejected';
                CREATE INDEX event_unconfirmed ON event(repository, time) WHERE status = 'attempted';
                CREATE INDEX event_recovery ON event(repository, time) WHERE hook = 'recover';
                CREATE INDEX event_undoes ON event(undoes) WHERE undoes IS NOT NULL;
                CREATE TABLE chain_checkpoint (
                    event_id INTEGER PRIMARY KEY, hash TEXT NOT NULL, verified_at DATETIME NOT NULL);
                """)
        }
        // Compact storage (EventStorage, Docs/Schema.md): repositories in a table of their own, times as
        // integer milliseconds, ids, hashes and UUID batches as bytes, no `prev_hash` (the chain needs only
        // each row's hash). Every hash stays what it was: the chain hashes the values as they were stored
        // before (AuditChain.storedBeforeV7), and the copy below is exact. The table is rebuilt (SQLite cannot
        // change a column's type in place); hex cannot be decoded in SQLite 3.40, so rows are copied in Swift.
        migrator.registerMigration("v7: compact storage") { db in
            try CompactStorageMigration.run(db)
        }
        // The daily counts learn each ref's role (RefRole: history or git's bookkeeping), so that HEAD's
        // detached steps and the stash are never counted as forced updates or deletions.
        migrator.registerMigration("v8: daily counts by ref role") { db in
            try db.execute(sql: EventDay.v8SQL)
        }
        // Each repository's stable identity (RepositoryIdentity), so that a moved, renamed or restored
        // repository keeps its history. Every path the log knows gets one now; a repository opened at that
        // path adopts it. No event changes: the hash chain is untouched.
        migrator.registerMigration("v9: repository identities") { db in
            try db.execute(sql: "ALTER TABLE repository ADD COLUMN identity TEXT")
            for id in try Int64.fetchAll(db, sql: "SELECT id FROM repository") {
                try db.execute(sql: "UPDATE repository SET identity = ? WHERE id = ?", arguments: [UUID().uuidString.lowercased(), id])
            }
            try db.execute(sql: "CREATE INDEX repository_identity ON repository(identity)")
            // A binary from before v9 writing into this log inserts rows without one: give them their own.
            try db.execute(sql: """
                CREATE TRIGGER repository_identity_default AFTER INSERT ON repository WHEN NEW.identity IS NULL BEGIN
                    UPDATE repository SET identity = lower(hex(randomblob(16))) WHERE id = NEW.id;
                END
                """)
        }
        // The log's own identity as a source of the fleet's central store (Docs/Fleet.md): made here, once,
        // so that the central store tells logs apart; a copied file carries it too, which `ship` detects by
        // the host and path the central store last saw it shipped from.
        migrator.registerMigration("v10: the log's source id") { db in
            try db.execute(sql: "CREATE TABLE log_source (id TEXT NOT NULL PRIMARY KEY, made_at TEXT NOT NULL)")
            try db.execute(sql: "INSERT INTO log_source (id, made_at) VALUES (?, ?)",
                           arguments: [UUID().uuidString.lowercased(), EventStorage.storedText(Date())])
        }
        // Where a server's push came from (Docs/Servers.md). The chain hashes the column only when it is
        // set (AuditChain.addedColumns), so every row sealed before keeps its hash.
        migrator.registerMigration("v11: the pusher's address") { db in
            try db.execute(sql: "ALTER TABLE event ADD COLUMN address TEXT")
        }
        return migrator
    }

    private static func createEventTable(_ db: Database, named name: String, statuses: [String], withReason: Bool) throws {
        try db.create(table: name) { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("time", .datetime).notNull()
            t.column("side", .text).notNull().check { ["client", "server", "local"].contains($0) }
            t.column("hook", .text).notNull()
            t.column("repository", .text).notNull()
            t.column("ref", .text).notNull()
            t.column("old", .text)
            t.column("new", .text)
            t.column("kind", .text).notNull()
                .check { ["create", "fast-forward", "forced", "delete"].contains($0) }
            t.column("dropped", .integer)
            t.column("pusher", .text)
            t.column("remote", .text)
            t.column("url", .text)
            t.column("local_ref", .text)
            t.column("push_options", .jsonText)
            t.column("status", .text).notNull().check { statuses.contains($0) }
            t.column("batch", .text).notNull()
            t.column("process_id", .integer)
            if withReason { t.column("reason", .text) }
            t.check(sql: "old IS NOT NULL OR new IS NOT NULL")
        }
    }

    private static func createEventIndexes(_ db: Database) throws {
        try db.create(index: "event_on_time", on: "event", columns: ["time"])
        try db.create(index: "event_on_repository_ref", on: "event", columns: ["repository", "ref", "time"])
    }
}
