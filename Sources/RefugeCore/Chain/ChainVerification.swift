import Foundation
import GRDB
import GitKit

/// What `git refuge verify` found.
public struct ChainVerification: Sendable {
    public struct Break: Sendable, Equatable {
        public let eventID: Int64
        public let problem: String
    }

    public let events: Int
    /// The last row's hash: keep it elsewhere, and `verify --against` it later.
    public let head: String
    /// The first row where the chain does not hold, if any.
    public let firstBreak: Break?
    /// SQLite's `PRAGMA integrity_check` lines (`["ok"]` when sound).
    public let integrity: [String]
    /// With `--against`: whether that hash is a row of the chain (then the log extends it).
    public let anchorFound: Bool?
    /// With `--against`: how many rows came after the anchor.
    public let rowsAfterAnchor: Int?
    /// Spool files still waiting after the drain (a git process still running, or a log that cannot be
    /// written): records the chain does not cover yet. Nil with `--no-drain`.
    public var spoolWaiting: Int?
    /// What the drain before the check could not record (malformed hook input, say).
    public var drainWarnings: [String] = []
    /// With a central store configured: whether the log still holds the head the store last received.
    public var central: CentralAnchoring?
    /// Why the central store could not be asked (unreachable, say): the local checks still stand.
    public var centralWarning: String?

    public var intact: Bool {
        firstBreak == nil && integrity == ["ok"] && anchorFound != false && central?.problem == nil
    }
}

/// The local log checked against the head the central store holds for it (automatic anchoring).
public struct CentralAnchoring: Sendable {
    public let source: String
    /// The event and hash the central store last received from this log (nil: it never shipped).
    public let seq: Int64?
    public let hash: String?
    /// Why the log does not extend that head, if it does not.
    public let problem: String?
}

/// Reads the chain row after row, from a hash already trusted (the genesis value, or a checkpoint's).
struct ChainWalk {
    var previous: String
    var count = 0
    var firstBreak: ChainVerification.Break?
    /// The id of the row read last: ids are consecutive (AUTOINCREMENT, never reused), so a gap is a deletion.
    private var lastID: Int64?

    init(from previous: String, after id: Int64? = nil) {
        self.previous = previous
        lastID = id
    }

    /// Checks one row of the chain; returns its stored hash.
    mutating func check(_ row: ChainRow) -> String? {
        count += 1
        let id = row.id
        let stored = row.storedHash
        if firstBreak == nil {
            if stored == nil {
                firstBreak = .init(eventID: id, problem: "it is not sealed (no hash): written outside Refuge")
            } else if stored != AuditChain.hash(of: row.values, previous: previous) {
                let missing = (lastID ?? 0) + 1
                firstBreak = .init(eventID: id, problem: missing < id
                    ? "its hash does not chain to the row before it: event #\(missing) was deleted"
                    : "its content does not match its hash: the row was edited, or a row before it inserted or reordered")
            }
        }
        if let stored { previous = stored }
        lastID = id
        return stored
    }
}

extension AuditStore {
    /// Recomputes the whole chain and runs SQLite's integrity check. With `anchor`, also checks that the
    /// log still holds that hash as one of its rows (so it extends what was recorded then).
    public func verifyChain(against anchor: String? = nil) throws -> ChainVerification {
        try read { db in
            let integrity = try String.fetchAll(db, sql: "PRAGMA integrity_check")
            var walk = ChainWalk(from: AuditChain.genesis)
            var anchorFound: Bool? = anchor == nil ? nil : (anchor?.lowercased() == AuditChain.genesis)
            var afterAnchor: Int? = anchorFound == true ? 0 : nil
            let selection = try AuditChain.selection(db)
            try ChainRow.forEach(try db.makeStatement(sql: "SELECT \(selection.sql) FROM event ORDER BY id"), columns: selection.columns) { row in
                let stored = walk.check(row)
                if afterAnchor != nil { afterAnchor! += 1 }
                if let anchor, stored?.lowercased() == anchor.lowercased(), anchorFound != true {
                    anchorFound = true
                    afterAnchor = 0
                }
            }
            return ChainVerification(
                events: walk.count, head: walk.previous, firstBreak: walk.firstBreak, integrity: integrity,
                anchorFound: anchorFound, rowsAfterAnchor: afterAnchor)
        }
    }

    /// What a report says of the chain: the rows up to the last checkpoint were verified then (and the
    /// checkpoint's row still has the hash it had), the rows after it are verified now.
    public struct ChainCheck: Sendable {
        public let events: Int
        /// The checkpoint the check started from: its event and when it was verified.
        public let checkpoint: (eventID: Int64, verifiedAt: Date)?
        /// Rows verified by this check.
        public let verifiedNow: Int
        public let head: String
        /// The id of the head row (0 for an empty log).
        public let headID: Int64
        public let firstBreak: ChainVerification.Break?
    }

    /// Verifies the rows written since the last checkpoint and, when they hold, records a new one at the
    /// head, so that the next report starts there. The checkpoint lives in the log it vouches for: it saves
    /// time, it proves nothing a rewrite of the whole file could not forge (`verify --against` does).
    /// No SQLite integrity check: that reads every page (`git refuge verify` runs it).
    public func checkChainSinceCheckpoint(now: Date = Date()) throws -> ChainCheck {
        let check: ChainCheck = try read { db in
            let events = try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0
            var walk = ChainWalk(from: AuditChain.genesis)
            var start: Int64 = 0
            var checkpoint: (eventID: Int64, verifiedAt: Date)?
            if let row = try Row.fetchOne(
                db, sql: "SELECT event_id, hash, verified_at FROM chain_checkpoint ORDER BY event_id DESC LIMIT 1")
            {
                let id: Int64 = row["event_id"]
                let hash: String = row["hash"]
                let verifiedAt: Date = row["verified_at"]
                let now = try String.fetchOne(db, sql: "SELECT \(AuditChain.hashSQL) FROM event WHERE id = ?", arguments: [id])
                guard now == hash else {
                    return ChainCheck(
                        events: events, checkpoint: (id, verifiedAt), verifiedNow: 0, head: hash, headID: id,
                        firstBreak: .init(eventID: id, problem: now == nil
                            ? "it was verified on \(Timestamp.short(verifiedAt)) and is gone: rows were deleted"
                            : "its hash is not the one verified on \(Timestamp.short(verifiedAt)): the log was re-sealed"))
                }
                walk = ChainWalk(from: hash, after: id)
                start = id
                checkpoint = (id, verifiedAt)
            }
            let selection = try AuditChain.selection(db)
            var last = start
            try ChainRow.forEach(try db.makeStatement(sql: "SELECT \(selection.sql) FROM event WHERE id > ? ORDER BY id"),
                                 arguments: [start], columns: selection.columns) { row in
                _ = walk.check(row)
                last = row.id
            }
            return ChainCheck(
                events: events, checkpoint: checkpoint, verifiedNow: walk.count, head: walk.previous, headID: last,
                firstBreak: walk.firstBreak)
        }
        if check.firstBreak == nil, check.headID > (check.checkpoint?.eventID ?? 0) {
            // A short write of its own, after the read: a first check of a large log takes seconds, and hooks
            // must not wait for it. Losing the race to another report costs nothing (same row, same hash).
            try? write { db in
                try db.execute(
                    sql: "INSERT OR IGNORE INTO chain_checkpoint (event_id, hash, verified_at) VALUES (?, ?, ?)",
                    arguments: [check.headID, check.head, EventStorage.storedText(now)])
            }
        }
        return check
    }
}

extension ChainVerification {
    /// Verifies the audit log of the repository a command runs in. Like every command it first drains the
    /// spool, so that the chain covers what the hooks recorded a moment ago; with `drain: false` it reads
    /// the log as it is and changes nothing (a copied log file, a read-only mount).
    /// With `central` (a connection string), also proves the log still extends the head the central
    /// store holds for it; a store that cannot be reached is a warning, not a verdict.
    public static func run(_ repository: Repository, environment: [String: String], against anchor: String?, drain: Bool = true,
                           central: String? = nil) throws -> ChainVerification
    {
        let location = try AuditLocation.resolve(for: repository, environment: environment)
        var warnings: [String] = []
        if drain, !SpoolDirectory(path: location.spoolDirectory).waitingFiles.isEmpty {
            // A log that cannot be written is still verified as it is: the drain's failure is a warning.
            do {
                let store = try AuditStore(location: location)
                warnings = SpoolDrain(repository: repository, store: store).drain().warnings
            } catch {
                warnings = ["\(error)"]
            }
        }
        guard FileManager.default.fileExists(atPath: location.databasePath) else {
            throw AuditStoreError.cannotOpen(
                path: location.databasePath,
                reason: "there is no audit log yet (nothing was recorded here: git refuge install sets the hooks up)")
        }
        let store = try AuditStore(location: location, readOnly: true)
        var result = try store.verifyChain(against: anchor)
        if let central {
            do {
                result.central = try store.anchoring(at: CentralAnchor.read(source: store.sourceID(), CentralDestination.connect(central)))
            } catch {
                result.centralWarning = "\(error); the log was not checked against the central store"
            }
        }
        if drain {
            result.spoolWaiting = SpoolDirectory(path: location.spoolDirectory).waitingFiles.count
            result.drainWarnings = warnings
        }
        return result
    }
}

extension AuditStore {
    /// Whether the log still holds `anchor`'s event with the hash the central store received.
    func anchoring(at anchor: CentralAnchor) throws -> CentralAnchoring {
        guard let seq = anchor.seq, let hash = anchor.hash else {
            return CentralAnchoring(source: anchor.source, seq: nil, hash: nil, problem: nil)
        }
        let here = try read { db in
            try String.fetchOne(db, sql: "SELECT \(AuditChain.hashSQL) FROM event WHERE id = ?", arguments: [seq])
        }
        let problem: String? = switch here {
        case hash?: nil
        case nil: "event #\(seq), which the central store holds, is gone from this log (rows were deleted after they shipped)"
        default: "event #\(seq) here is not the event the central store holds (the log was rewritten after it shipped)"
        }
        return CentralAnchoring(source: anchor.source, seq: seq, hash: hash, problem: problem)
    }
}
