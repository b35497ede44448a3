import Foundation
import GRDB
import GitKit

/// One recorded ref update: a row of the `event` table.
public struct AuditEvent: Hashable, Sendable, FetchableRecord, TableRecord {
    public static let databaseTableName = "event"

    public var id: Int64?
    public var time: Date
    public var side: Side
    /// What recorded it: a hook, or `recover`/`backfill` (the `hook` column).
    public var source: EventSource
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
    /// Where a server's push came from (the client's IP address, from sshd's or the web server's
    /// variables); nil for a local path or `git daemon`, and for every event recorded before v11.
    public var address: String?

    public init(
        time: Date, side: Side, source: EventSource, repository: String, update: RefUpdate, kind: UpdateKind,
        dropped: Int?, status: EventStatus, batch: String, pusher: String? = nil, remote: String? = nil,
        url: String? = nil, localRef: String? = nil, pushOptions: [String]? = nil, processID: Int64? = nil,
        reason: String? = nil, undoes: Int64? = nil, address: String? = nil
    ) {
        self.time = time
        self.side = side
        self.source = source
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
        self.address = address
    }

    public var update: RefUpdate? { RefUpdate(ref: ref, old: old, new: new) }

    /// Every column, and the repository's path from its table (the row holds its id since v7).
    public static var databaseSelection: [any SQLSelectable] {
        [AllColumns(), SQL(sql: "\(EventStorage.repositoryPathSQL) AS repository")]
    }

    /// Inserts the row, its repository's row first if it is new; returns the event with its id. Values in
    /// the compact storage of EventStorage; push options as JSON.
    func inserted(_ db: Database) throws -> AuditEvent {
        try db.cachedStatement(sql: EventStorage.insertRepositorySQL).execute(arguments: [repository])
        let insert = try db.cachedStatement(sql: """
            INSERT INTO event (time, side, hook, repository_id, ref, old, new, kind, dropped, pusher, remote, url,
                local_ref, push_options, status, batch, process_id, reason, undoes, address)
            VALUES (?, ?, ?, \(EventStorage.repositoryIDSQL), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let options = try pushOptions.map { options in
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys  // as GRDB's record encoder wrote them before v7
            return String(decoding: try encoder.encode(options), as: UTF8.self)
        }
        let values: [(any DatabaseValueConvertible)?] = [
            EventStorage.milliseconds(time), side.rawValue, source.rawValue, repository, ref, EventStorage.stored(old),
            EventStorage.stored(new), kind.rawValue, dropped, pusher, remote, url, localRef, options, status.rawValue,
            EventStorage.stored(batch: batch), processID, reason, undoes, address,
        ]
        try insert.execute(arguments: StatementArguments(values))
        var saved = self
        saved.id = db.lastInsertedRowID
        return saved
    }

    /// The row as stored, column by column: the Codable decoding with snake-case keys spent four fifths of
    /// a million-event scan converting column names.
    public init(row: Row) throws {
        func object(_ column: String) throws -> ObjectID? {
            try EventStorage.objectID(row[column], column: column)
        }
        id = try row.decode(Int64?.self, forColumn: "id")
        guard let time = EventStorage.date(row["time"] as DatabaseValue) else {
            throw StoredValueError(column: "time", value: row["time"] as DatabaseValue, expected: "a time")
        }
        self.time = time
        side = try row.vocabulary("side", in: "event")
        source = try row.vocabulary("hook", in: "event")
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
        guard let batch = EventStorage.batch(row["batch"] as DatabaseValue) else {
            throw StoredValueError(column: "batch", value: row["batch"] as DatabaseValue, expected: "a batch id")
        }
        self.batch = batch
        processID = try row.decode(Int64?.self, forColumn: "process_id")
        reason = try row.decode(String?.self, forColumn: "reason")
        undoes = try row.decode(Int64?.self, forColumn: "undoes")
        address = row.hasColumn("address") ? try row.decode(String?.self, forColumn: "address") : nil
    }

}
