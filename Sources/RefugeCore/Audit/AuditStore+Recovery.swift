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
                .filter(Column("repository") == repository && Column("ref") == ref)
                .filter([Side.server.rawValue, Side.local.rawValue].contains(Column("side")))
                .filter([EventStatus.accepted.rawValue, EventStatus.done.rawValue].contains(Column("status")))
                .filter([UpdateKind.forced.rawValue, UpdateKind.delete.rawValue].contains(Column("kind")))
                .filter(Column("hook") != HookName.recover.rawValue)
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
            try AuditEvent.filter(Column("repository") == repository && Column("ref") == ref).fetchCount(db) > 0
        }
    }

    /// Every event of `repository` that names an object (old or new), for the lost-commit scan.
    public func eventsNamingObjects(repository: String) throws -> [AuditEvent] {
        try read { db in
            try AuditEvent.filter(Column("repository") == repository).order(Column("time"), Column("id")).fetchAll(db)
        }
    }
}
