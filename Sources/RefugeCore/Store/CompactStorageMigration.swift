import Foundation
import GRDB
import GitKit

/// Migration v7: the event table rebuilt in compact storage (EventStorage), each row copied exactly: a
/// value that does not convert (a time not in GRDB's format, an id that is not 40 hex digits, a batch that
/// is not an upper-case UUID: only a hand makes those) is kept as it was, so that its row hashes as before.
enum CompactStorageMigration {
    /// Created as `event_v7` and renamed to `event` once the old one is gone, as v2 did: renaming the old
    /// table away instead would carry `pin.event_id`'s reference along with it.
    static let eventTable = """
        CREATE TABLE event_v7 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time INTEGER NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('client', 'server', 'local')),
            hook TEXT NOT NULL,
            repository_id INTEGER NOT NULL REFERENCES repository(id),
            ref TEXT NOT NULL,
            old BLOB,
            new BLOB,
            kind TEXT NOT NULL CHECK (kind IN ('create', 'fast-forward', 'forced', 'delete')),
            dropped INTEGER,
            pusher TEXT,
            remote TEXT,
            url TEXT,
            local_ref TEXT,
            push_options TEXT,
            status TEXT NOT NULL CHECK (status IN ('attempted', 'confirmed', 'accepted', 'done', 'rejected')),
            batch BLOB NOT NULL,
            process_id INTEGER,
            reason TEXT,
            undoes INTEGER REFERENCES event(id) ON DELETE SET NULL,
            hash BLOB,
            CHECK (old IS NOT NULL OR new IS NOT NULL))
        """

    static let indexes = """
        CREATE INDEX event_on_repository_ref ON event(repository_id, ref, time);
        CREATE INDEX event_on_repository_time ON event(repository_id, time);
        CREATE INDEX event_rewrite_on_time ON event(repository_id, kind, time) WHERE kind IN \(EventFilter.rewriteKindsSQL);
        CREATE INDEX event_refusal ON event(repository_id, time) WHERE status = 'rejected';
        CREATE INDEX event_unconfirmed ON event(repository_id, time) WHERE status = 'attempted';
        CREATE INDEX event_recovery ON event(repository_id, time) WHERE hook = 'recover';
        CREATE INDEX event_undoes ON event(undoes) WHERE undoes IS NOT NULL;
        """

    static func run(_ db: Database) throws {
        // Foreign keys are off during a migration (GRDB checks them at its end): dropping the old table
        // does not touch `pin.event_id` or `undoes`.
        try db.execute(sql: """
            CREATE TABLE repository (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
            INSERT INTO repository (path) SELECT DISTINCT repository FROM event ORDER BY repository;
            DROP TABLE event_day;
            """)
        try db.execute(sql: eventTable)
        let repositories = Dictionary(
            uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT path, id FROM repository").map {
                ($0["path"] as String, $0["id"] as Int64)
            })
        let insert = try db.makeStatement(sql: """
            INSERT INTO event_v7 (id, time, side, hook, repository_id, ref, old, new, kind, dropped, pusher, remote, url,
                local_ref, push_options, status, batch, process_id, reason, undoes, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, time, side, hook, repository, ref, old, new, kind, dropped, pusher, remote, url, local_ref,
                push_options, status, batch, process_id, reason, undoes, hash FROM event ORDER BY id
            """)
        while let row = try rows.next() {
            var values = (0..<21).map { row[$0] as DatabaseValue }
            if let text = String.fromDatabaseValue(values[1]), let milliseconds = EventStorage.milliseconds(storedText: text) {
                values[1] = milliseconds.databaseValue
            }
            values[4] = repositories[row[4] as String]!.databaseValue
            for column in [6, 7] {
                if let text = String.fromDatabaseValue(values[column]), let id = ObjectID(hex: text), id.hex == text {
                    values[column] = EventStorage.stored(id)
                }
            }
            if let batch = String.fromDatabaseValue(values[16]) { values[16] = EventStorage.stored(batch: batch) }
            if let hash = String.fromDatabaseValue(values[20]), hash.count == 64,
               hash.allSatisfy({ $0.isHexDigit && !$0.isUppercase })
            {
                values[20] = AuditChain.stored(hash: hash).databaseValue
            }
            try insert.execute(arguments: StatementArguments(values))
        }
        try db.execute(sql: "DROP TABLE event; ALTER TABLE event_v7 RENAME TO event")
        try db.execute(sql: indexes)
        try db.execute(sql: EventDay.v7SQL)
    }
}
