import Foundation
import GRDB
import GitKit

/// What backfill asks the log: what it already holds, so that nothing is imported twice.
extension AuditStore {
    /// A clone's pushes that a remote-tracking update confirmed.
    func confirmedPushes(repository: String) throws -> [AuditEvent] {
        try read { db in
            try AuditEvent.filter(sql: EventStorage.inRepositorySQL, arguments: [repository])
                .filter(Column("side") == Side.client.rawValue && Column("status") == EventStatus.confirmed.rawValue)
                .fetchAll(db)
        }
    }

    /// The (old, new) pairs the log holds for `ref` (every ref: nil) in `repository`, with their times: what
    /// backfill checks each reflog entry against.
    func recordedValues(of ref: String?, repository: String) throws -> [String: [Date]] {
        try read { db in
            var values: [String: [Date]] = [:]
            // Two statements, not `(ref = ? OR ? IS NULL)`: that would keep the index on (repository, ref) from
            // narrowing by ref, and backfill asks once per ref.
            let rows = try ref.map { ref in
                try Row.fetchCursor(
                    db, sql: "SELECT old, new, time FROM event WHERE \(EventStorage.inRepositorySQL) AND ref = ? AND side != 'client'",
                    arguments: [repository, ref])
            } ?? Row.fetchCursor(
                db, sql: "SELECT old, new, time FROM event WHERE \(EventStorage.inRepositorySQL) AND side != 'client'",
                arguments: [repository])
            while let row = try rows.next() {
                guard let time = EventStorage.date(row["time"]) else { continue }
                // A value that is no id (a row written by hand) counts as none, as it always has here.
                let old = (try? EventStorage.objectID(row["old"], column: "old"))?.hex
                let new = (try? EventStorage.objectID(row["new"], column: "new"))?.hex
                values["\(old ?? "-") \(new ?? "-")", default: []].append(time)
            }
            return values
        }
    }
}
