import Foundation
import GRDB
import GitKit

/// One recorded ref update: a row of the `event` table.
public struct AuditEvent: Codable, Hashable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "event"

    public var id: Int64?
    public var time: Date
    public var side: Side
    public var hook: HookName
    /// The repository's common git directory (shared by its linked worktrees), absolute.
    public var repository: String
    /// The ref that moved; for a client push, the ref on the remote.
    public var ref: String
    public var old: ObjectID?
    public var new: ObjectID?
    public var kind: UpdateKind
    /// Commits the update dropped; nil when they cannot be known (the client never had them).
    public var dropped: Int?
    public var pusher: String?
    public var remote: String?
    /// The remote's URL with any credentials removed.
    public var url: String?
    /// For a client push: the local source the pusher named (`refs/heads/x`, `HEAD~2`).
    public var localRef: String?
    public var pushOptions: [String]?
    public var status: EventStatus
    /// Shared by the updates of one push or one ref transaction.
    public var batch: String
    /// The git process that made the update or ran the hook (`git push`, receive-pack, `git commit`…).
    public var processID: Int64?
    /// Why a server's policy rejected the update, or what a recovery did; nil otherwise.
    public var reason: String?
    /// For a recovery: the event whose update it undid.
    public var undoes: Int64?

    public init(
        time: Date, side: Side, hook: HookName, repository: String, update: RefUpdate, kind: UpdateKind,
        dropped: Int?, status: EventStatus, batch: String, pusher: String? = nil, remote: String? = nil,
        url: String? = nil, localRef: String? = nil, pushOptions: [String]? = nil, processID: Int64? = nil,
        reason: String? = nil, undoes: Int64? = nil
    ) {
        self.time = time
        self.side = side
        self.hook = hook
        self.repository = repository
        self.ref = update.ref
        self.old = update.old
        self.new = update.new
        self.kind = kind
        self.dropped = dropped
        self.pusher = pusher
        self.remote = remote
        self.url = url
        self.localRef = localRef
        self.pushOptions = pushOptions
        self.status = status
        self.batch = batch
        self.processID = processID
        self.reason = reason
        self.undoes = undoes
    }

    public var update: RefUpdate? { RefUpdate(ref: ref, old: old, new: new) }

    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    /// Spelled as the snake-case conversions expect (`process_id` ↔ `processId`), in both directions.
    enum CodingKeys: String, CodingKey {
        case id, time, side, hook, repository, ref, old, new, kind, dropped, pusher, remote, url, localRef, pushOptions
        case status, batch, processID = "processId", reason, undoes
    }

    /// The row as written, column by column: what the Codable encoding would give (push options as JSON
    /// through GRDB's own encoder), without its machinery, which was half the cost of a large backfill.
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["time"] = time
        container["side"] = side.rawValue
        container["hook"] = hook.rawValue
        container["repository"] = repository
        container["ref"] = ref
        container["old"] = old?.hex
        container["new"] = new?.hex
        container["kind"] = kind.rawValue
        container["dropped"] = dropped
        container["pusher"] = pusher
        container["remote"] = remote
        container["url"] = url
        container["local_ref"] = localRef
        container["push_options"] = try pushOptions.map { options in
            String(decoding: try Self.databaseJSONEncoder(for: "push_options").encode(options), as: UTF8.self)
        }
        container["status"] = status.rawValue
        container["batch"] = batch
        container["process_id"] = processID
        container["reason"] = reason
        container["undoes"] = undoes
    }

    /// The row as stored, column by column: the Codable decoding with snake-case keys spent four fifths of
    /// a million-event scan converting column names.
    public init(row: Row) throws {
        func object(_ column: String) throws -> ObjectID? {
            guard let hex: String = try row.decode(String?.self, forColumn: column) else { return nil }
            guard let id = ObjectID(hex: hex) else {
                throw DatabaseError(message: "event column \(column) holds \(hex), which is not an object id")
            }
            return id
        }
        id = try row.decode(Int64?.self, forColumn: "id")
        time = try row.decode(Date.self, forColumn: "time")
        side = try row.vocabulary("side", in: "event")
        hook = try row.vocabulary("hook", in: "event")
        repository = try row.decode(String.self, forColumn: "repository")
        ref = try row.decode(String.self, forColumn: "ref")
        old = try object("old")
        new = try object("new")
        kind = try row.vocabulary("kind", in: "event")
        dropped = try row.decode(Int?.self, forColumn: "dropped")
        pusher = try row.decode(String?.self, forColumn: "pusher")
        remote = try row.decode(String?.self, forColumn: "remote")
        url = try row.decode(String?.self, forColumn: "url")
        localRef = try row.decode(String?.self, forColumn: "local_ref")
        pushOptions = try row.decode(String?.self, forColumn: "push_options").map { json in
            try Self.databaseJSONDecoder(for: "push_options").decode([String].self, from: Data(json.utf8))
        }
        status = try row.vocabulary("status", in: "event")
        batch = try row.decode(String.self, forColumn: "batch")
        processID = try row.decode(Int64?.self, forColumn: "process_id")
        reason = try row.decode(String?.self, forColumn: "reason")
        undoes = try row.decode(Int64?.self, forColumn: "undoes")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
