import Foundation
import GRDB
import GitKit

/// What shipping reads of the log: its source id, and sealed rows after a cursor with their hashes,
/// checked against the chain as they are read.
extension AuditStore {
    /// This log's id as a source of the central store (migration v10).
    public func sourceID() throws -> String {
        try read { db in try String.fetchOne(db, sql: "SELECT id FROM log_source") } ?? ""
    }

    /// Gives this log a new source id: a copy of a log file that the central store already knows from
    /// elsewhere ships as a source of its own from then on.
    public func renewSourceID() throws -> String {
        let id = UUID().uuidString.lowercased()
        try write { db in
            try db.execute(sql: "UPDATE log_source SET id = ?, made_at = ?", arguments: [id, EventStorage.storedText(Date())])
        }
        return id
    }

    /// The id of the newest event (0 for an empty log): how far the log goes, for the lag behind a ship.
    public func headID() throws -> Int64 {
        try read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM event") } ?? 0
    }

    /// How many repositories the log holds events of (a server-wide log: many; a copy of a repository
    /// is the same repository).
    public func repositoryCount() throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(DISTINCT coalesce(identity, path)) FROM repository")
        } ?? 0
    }

    /// A sealed row to ship: its id, time and repository, its hash, its repository's identity, and the
    /// values its hash covers (what the central store keeps, so that it can recompute the chain). Taken
    /// from the row the chain check reads, not decoded a second time as an AuditEvent.
    public struct ShippableEvent: Sendable {
        public let id: Int64
        public let time: Date
        /// Whether the time was stored as milliseconds (since v7): its chained text is then canonical.
        public let timeIsCanonical: Bool
        public let repository: String
        public let hash: String
        public let repositoryIdentity: String?
        public let chained: [AuditChain.Value]
    }

    /// A row that does not chain where shipping expected it to: the first one named.
    public struct ChainRefusal: Error, CustomStringConvertible, Sendable {
        public let eventID: Int64
        public let problem: String
        public var description: String {
            "event #\(eventID) does not chain to what the central store holds: \(problem); nothing shipped. "
                + "git refuge verify says what changed in the local log"
        }
    }

    /// Up to `limit` sealed rows after `cursor`, each checked to chain from `head` (the hash of row
    /// `cursor`, as the central store holds it). Throws `ChainRefusal` at the first row that does not:
    /// a local log rewritten or forked after it shipped is refused, not copied.
    public func shippable(after cursor: Int64, head: String, limit: Int) throws -> [ShippableEvent] {
        // The refusal is returned out of the read, not thrown in it: `read` words its errors as the log's.
        try read { db -> Result<[ShippableEvent], ChainRefusal> in
            do {
                return .success(try shippableRows(db, after: cursor, head: head, limit: limit))
            } catch let refusal as ChainRefusal {
                return .failure(refusal)
            }
        }.get()
    }

    private func shippableRows(_ db: Database, after cursor: Int64, head: String, limit: Int) throws -> [ShippableEvent] {
        let columns = AuditChain.columns.count
        if cursor > 0 {
            // The row the central store ends at must still be here, with the hash it shipped with, and
            // still hash to it from the row before (an edit of its content, or a re-sealed log, is caught).
            var found: ChainRow?
            try ChainRow.forEach(try db.makeStatement(sql: "SELECT \(AuditChain.selection) FROM event WHERE id = ?"),
                                 arguments: [cursor], columns: columns) { found = $0 }
            guard let row = found else {
                throw ChainRefusal(eventID: cursor, problem: "the central store has it, the local log no longer does (rows were deleted)")
            }
            let previous = try String.fetchOne(
                db, sql: "SELECT \(AuditChain.hashSQL) FROM event WHERE id < ? ORDER BY id DESC LIMIT 1", arguments: [cursor])
                ?? AuditChain.genesis
            guard row.storedHash == head else {
                throw ChainRefusal(eventID: cursor, problem: "its hash here is not the one shipped (the log was rewritten and sealed again)")
            }
            guard AuditChain.hash(of: row.values, previous: previous) == head else {
                throw ChainRefusal(eventID: cursor, problem: "its content here is not what was shipped (the row was edited)")
            }
        }
        var walk = ChainWalk(from: head, after: cursor)
        let identities = Dictionary(try Row.fetchAll(db, sql: "SELECT path, identity FROM repository").map {
            (($0["path"] as String), ($0["identity"] as String?)) }, uniquingKeysWith: { first, _ in first })
        let repository = AuditChain.columns.firstIndex(of: "repository")!
        // Rows come in runs of one repository: its path made a String, and its identity looked up, once a run.
        var run: (bytes: [UInt8], path: String, identity: String?) = ([], "", identities[""] ?? nil)
        var shippable: [ShippableEvent] = []
        shippable.reserveCapacity(limit)
        try ChainRow.forEach(try db.makeStatement(sql: "SELECT \(AuditChain.selection) FROM event WHERE id > ? ORDER BY id LIMIT ?"),
                             arguments: [cursor, limit], columns: columns) { row in
            let stored = walk.check(row)
            if let broken = walk.firstBreak { throw ChainRefusal(eventID: broken.eventID, problem: broken.problem) }
            let bytes: [UInt8]
            if case .text(let text) = row.values[repository] { bytes = text } else { bytes = [] }
            if bytes != run.bytes {
                let path = String(decoding: bytes, as: UTF8.self)
                run = (bytes, path, identities[path] ?? nil)
            }
            let date: Date
            if let milliseconds = row.milliseconds {
                date = EventStorage.date(milliseconds: milliseconds)
            } else if let decoded = try AuditEvent.filter(sql: "id = ?", arguments: [row.id]).fetchOne(db) {
                date = decoded.time  // a time kept as other text (before v7): as the log reads it
            } else {
                date = Date(timeIntervalSince1970: 0)
            }
            shippable.append(ShippableEvent(id: row.id, time: date, timeIsCanonical: row.milliseconds != nil, repository: run.path,
                                            hash: stored ?? "", repositoryIdentity: run.identity, chained: row.values))
        }
        return shippable
    }
}
