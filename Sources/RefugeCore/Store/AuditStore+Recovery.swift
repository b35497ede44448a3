import Foundation
import GRDB
import GitKit

/// The audit log's queries for recovery and the lost-commit scan.
extension AuditStore {
    /// The most recent update of `ref` in `repository` that could drop commits (forced or delete), as the
    /// repository itself made or accepted it (a clone's push rows describe the remote's ref, not its own).
    /// Refuge's own recoveries are not "bad updates" to undo.
    public func lastDroppingUpdate(of ref: String, repository: String) throws -> AuditEvent? {
        try read { db in
            try AuditEvent
                .filter(sql: EventStorage.inRepositorySQL, arguments: [repository]).filter(Column("ref") == ref)
                .filter([Side.server.rawValue, Side.local.rawValue].contains(Column("side")))
                .filter([EventStatus.accepted.rawValue, EventStatus.done.rawValue].contains(Column("status")))
                .filter([UpdateKind.forced.rawValue, UpdateKind.delete.rawValue].contains(Column("kind")))
                .filter(Column("hook") != EventSource.recover.rawValue)
                .order(Column("time").desc, Column("id").desc)
                .fetchOne(db)
        }
    }

    /// The recoveries that undid event `id`, newest first.
    public func recoveries(undoing id: Int64) throws -> [AuditEvent] {
        try read { db in
            try AuditEvent.filter(Column("undoes") == id).order(Column("time").desc, Column("id").desc).fetchAll(db)
        }
    }

    /// Whether any event of `repository` names `ref` (a deleted branch is still known by its events).
    public func knowsRef(_ ref: String, repository: String) throws -> Bool {
        try read { db in
            try AuditEvent.filter(sql: EventStorage.inRepositorySQL, arguments: [repository]).filter(Column("ref") == ref)
                .fetchCount(db) > 0
        }
    }

    /// A value a recorded rewrite took off a ref: the ref (`remote:ref` for a clone's push row) and when.
    public struct ObjectMention: Sendable {
        public let object: ObjectID
        public let ref: String
        public let time: Date
        /// The latest rewrite naming it was `git stash pop` deleting the stash: the entry was applied.
        public let appliedStash: Bool
    }

    /// The old values of `repository`'s forced updates and deletions, each once, with the latest rewrite
    /// that named it: the lost-commit scan's evidence from the log. The other rows need not be read, and at
    /// a million events reading them took seconds: a create's or a fast-forward's value stays reachable from
    /// the ref's later values until a rewrite drops it, and that rewrite's old value reaches it. (A ref moved
    /// while nothing recorded it is the exception; the reflogs and pins still name such values.)
    public func objectMentions(repository: String) throws -> [ObjectMention] {
        try read { db in
            var latest: [ObjectID: ObjectMention] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT old, ref, side, remote, time, reason FROM event INDEXED BY event_rewrite_on_time
                WHERE \(EventStorage.inRepositorySQL) AND kind IN \(EventFilter.rewriteKindsSQL) AND old IS NOT NULL
                """, arguments: [repository])
            while let row = try rows.next() {
                guard let object = try? EventStorage.objectID(row[0], column: "old"), let time = EventStorage.date(row[4]) else { continue }
                if let known = latest[object], known.time > time { continue }
                var ref: String = row[1]
                if (row[2] as String) == Side.client.rawValue { ref = "\((row[3] as String?) ?? "remote"):\(ref)" }
                latest[object] = ObjectMention(
                    object: object, ref: ref, time: time, appliedStash: (row[5] as String?) == AuditEvent.stashApplied)
            }
            return Array(latest.values)
        }
    }
}
