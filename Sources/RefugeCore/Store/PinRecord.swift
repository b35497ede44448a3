import Foundation
import GRDB
import GitKit

/// A pin: a hidden ref (`refs/refuge/kept/<oid>`) that keeps a dropped tip, and its commits, safe from
/// `git gc`. One row of the `pin` table; the ref itself is the pin, the row says why it exists.
public struct PinRecord: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "pin"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase
    /// Dates written as GRDB writes them, without its DateFormatter (EventStorage.storedText): a drain that
    /// pins would otherwise load ICU's locale data.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { EventStorage.storedText($0) }
    }

    /// Read back the same way (EventStorage.storedDate), without GRDB's calendar.
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { EventStorage.storedDate($0) }
    }

    public var id: Int64?
    public var repository: String
    /// The pin ref, `refs/refuge/kept/<target>`.
    public var name: String
    public var target: ObjectID
    /// The ref that held `target` before the update that dropped it (for a client push, the remote's ref).
    public var sourceRef: String?
    /// The event that dropped it, when the log has one.
    public var eventID: Int64?
    /// Why it was made: `forced`, `delete` (an update recorded by the hooks) or `recover` (a recovery's
    /// current value, kept before the recovery moved the ref).
    public var reason: String
    public var createdAt: Date
    public var removedAt: Date?
    /// `prune`, or `missing` when the ref was found deleted by someone else.
    public var removedBy: String?

    /// Spelled as the snake-case conversions expect (`event_id` ↔ `eventId`), in both directions.
    enum CodingKeys: String, CodingKey {
        case id, repository, name, target, sourceRef, eventID = "eventId", reason, createdAt, removedAt, removedBy
    }

    /// Pins of a repository, by one of its paths (two arguments, the path twice): those recorded under any
    /// path of its identity (RepositoryIdentity), and under the path itself.
    static let ofRepositorySQL = """
        (repository IN (SELECT path FROM repository WHERE id IN \(EventStorage.repositoryIDsSQL)) OR repository = ?)
        """

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

extension AuditStore {
    /// Records a pin, unless a live row for the same pin ref exists. Returns the live row.
    @discardableResult
    public func recordPin(_ pin: PinRecord) throws -> PinRecord {
        try write { db in
            if let live = try PinRecord
                .filter(sql: PinRecord.ofRepositorySQL, arguments: [pin.repository, pin.repository])
                .filter(Column("name") == pin.name && Column("removed_at") == nil)
                .fetchOne(db) {
                return live
            }
            var row = pin
            try row.insert(db)
            return row
        }
    }

    /// The live pins of `repository` (of every path sharing its identity), oldest first.
    public func livePins(repository: String) throws -> [PinRecord] {
        try read { db in
            try PinRecord
                .filter(sql: PinRecord.ofRepositorySQL, arguments: [repository, repository])
                .filter(Column("removed_at") == nil)
                .order(Column("created_at"), Column("id"))
                .fetchAll(db)
        }
    }

    /// Marks a pin removed (its ref deleted by `prune`, or found missing).
    public func markPinRemoved(id: Int64, by remover: String, at time: Date = Date()) throws {
        try write { db in
            try db.execute(
                sql: "UPDATE pin SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL",
                arguments: [EventStorage.storedText(time), remover, id])
        }
    }
}
