import Foundation
import GitKit

/// A forced update of a remote-tracking ref (a fetch after someone force-pushed) that dropped work of this
/// clone's own: commits it pushed or its user wrote (OwnWork). git says only "(forced update)", and the next
/// `git pull --rebase` drops the same commits from the branch as well: its fork point is the old remote tip,
/// so git takes them for upstream's own, to be removed. Nothing of this is lost yet; this says so in time.
public struct DroppedUpstreamWork: Sendable {
    public struct Commit: Sendable {
        public let commit: CommitSummary
        /// When this clone first pushed it; nil when it is here only as its user's (never pushed from here).
        public let pushedAt: Date?
        /// Local branches that still hold it.
        public let heldBy: [String]
    }

    /// Who force-pushed, as the server's own audit log says (a remote this clone can read, such as a path).
    public struct Rewriter: Sendable {
        public let pusher: String?
        public let time: Date
        public let address: String?
    }

    /// `refs/remotes/origin/main`.
    public let trackingRef: String
    public let old: ObjectID
    public let new: ObjectID
    /// When the remote-tracking ref moved; nil when it is moving now (during the fetch).
    public let time: Date?
    /// Dropped commits of this clone's own, newest first, without those the new history holds a copy of
    /// (the same patch: the force push rebased them, nothing is lost).
    public let commits: [Commit]
    /// Commits the update dropped in all.
    public let droppedCount: Int
    public let rewrittenBy: Rewriter?
    /// The new tip's committer (`alice <alice@example.com>`): who made the history that replaced it, which
    /// is not proof of who pushed it.
    public let newTipCommitter: String?
    /// Local branches whose upstream is `trackingRef`.
    public let trackingBranches: [String]

    /// `origin/main`.
    public var shortTrackingRef: String { trackingRef.replacingOccurrences(of: "refs/remotes/", with: "") }

    /// Dropped commits listed at most (the count is complete).
    static let listLimit = 50

    /// What the forced update `old` → `new` of `trackingRef` dropped of this clone's own work; nil when it
    /// dropped none (or this clone lacks the old commits). `askServer`: read who force-pushed from the
    /// remote's audit log when it is a repository on this machine.
    public static func find(trackingRef: String, old: ObjectID, new: ObjectID, time: Date?, repository: Repository,
                            store: AuditStore?, askServer: Bool = true) throws -> DroppedUpstreamWork? {
        try Finder(repository: repository, store: store).find(trackingRef: trackingRef, old: old, new: new, time: time,
                                                              askServer: askServer)
    }

    /// `find` for many updates: what is this clone's own is read once (`log` marks every such update).
    public struct Finder {
        let repository: Repository
        let store: AuditStore?
        let own: OwnWork

        public init(repository: Repository, store: AuditStore?) {
            (self.repository, self.store) = (repository, store)
            own = OwnWork(repository: repository, store: store)
        }

        public func find(trackingRef: String, old: ObjectID, new: ObjectID, time: Date?, askServer: Bool = true) throws
            -> DroppedUpstreamWork?
        {
            try DroppedUpstreamWork.find(trackingRef: trackingRef, old: old, new: new, time: time, repository: repository,
                                         own: own, store: store, askServer: askServer)
        }
    }

    /// Dropped commits looked at (a force push that replaced a whole unrelated history drops them all):
    /// the newest ones, which are the ones a person pushed lately.
    static let walkLimit = 5_000

    static func find(trackingRef: String, old: ObjectID, new: ObjectID, time: Date?, repository: Repository,
                     own: OwnWork, store: AuditStore?, askServer: Bool) throws -> DroppedUpstreamWork? {
        guard repository.contains(old), let oldCommit = try repository.peelToCommit(old),
              let newCommit = try repository.peelToCommit(new), oldCommit != newCommit
        else { return nil }
        let dropped = try repository.commits(reachableFrom: [oldCommit], excluding: [newCommit], limit: walkLimit)
        guard !dropped.isEmpty else { return nil }  // a fast-forward after all
        let pushed = try own.pushTimes(of: Set(dropped.map(\.id)), hidden: [newCommit])
        var candidates = dropped.filter { pushed[$0.id] != nil || own.wrote($0) }
        guard !candidates.isEmpty else { return nil }
        // A copy in the new history (Alice rebased Bob's commit before pushing): not dropped work.
        let copies = try patches(reachableFrom: newCommit, excluding: oldCommit, repository: repository)
        if !copies.isEmpty {
            candidates = try candidates.filter { try repository.patchID(of: $0.id).map { !copies.contains($0) } ?? true }
        }
        guard !candidates.isEmpty else { return nil }
        let branches = try repository.references(under: "refs/heads/").compactMap { ref in
            try repository.peelToCommit(ref.target).map { (ref.name, $0) }
        }
        let listed = try candidates.prefix(listLimit).map { commit in
            Commit(commit: commit, pushedAt: pushed[commit.id],
                   heldBy: try branches.filter { try repository.isAncestor(commit.id, of: $0.1) }
                       .map { String($0.0.dropFirst("refs/heads/".count)) })
        }
        let committer = try? repository.committer(of: newCommit)
        return DroppedUpstreamWork(
            trackingRef: trackingRef, old: oldCommit, new: newCommit, time: time, commits: listed,
            droppedCount: dropped.count,
            rewrittenBy: askServer ? ServerWitness.forcedUpdate(to: newCommit, trackingRef: trackingRef, repository: repository) : nil,
            newTipCommitter: committer, trackingBranches: try trackingBranches(of: trackingRef, repository: repository))
    }

    /// The patch ids of what `tip` has beyond `base`: at most 2,000 commits are looked at (a patch id costs
    /// a diff; a force push that added more than that rewrote more than a branch's worth).
    static func patches(reachableFrom tip: ObjectID, excluding base: ObjectID, repository: Repository) throws -> Set<ObjectID> {
        var patches: Set<ObjectID> = []
        for commit in try repository.commits(reachableFrom: [tip], excluding: [base], limit: 2_000) {
            if let patch = try repository.patchID(of: commit.id) { patches.insert(patch) }
        }
        return patches
    }

    /// The local branches whose configured upstream is `trackingRef`.
    static func trackingBranches(of trackingRef: String, repository: Repository) throws -> [String] {
        try repository.references(under: "refs/heads/").compactMap { ref in
            let short = String(ref.name.dropFirst("refs/heads/".count))
            return try repository.upstreamTrackingRef(ofBranch: short) == trackingRef ? short : nil
        }
    }

    /// The forced updates of `trackingRef` this clone has seen whose dropped work of its own the ref still
    /// lacks now (neither the commit nor a copy is back on it): what `check` shows. The fetched forced
    /// updates (`fetchedForcedUpdates`), newest first, the newest 20 looked at; the server is asked who
    /// force-pushed only for those that are shown.
    public static func open(trackingRef: String, repository: Repository, store: AuditStore?, askServer: Bool = true) throws
        -> [DroppedUpstreamWork]
    {
        guard let current = try repository.resolveReference(trackingRef).flatMap({ try repository.peelToCommit($0) }) else {
            return []
        }
        let moves = fetchedForcedUpdates(of: trackingRef, repository: repository, store: store)
        let own = OwnWork(repository: repository, store: store)
        var found: [DroppedUpstreamWork] = []
        var seen: Set<ObjectID> = []
        for move in moves.prefix(20) {
            guard let work = try find(trackingRef: trackingRef, old: move.old, new: move.new, time: move.time,
                                      repository: repository, own: own, store: store, askServer: false)
            else { continue }
            // Still missing upstream: the ref does not reach it now and holds no copy of it. Each commit once,
            // under the newest update that dropped it.
            let copies = try patches(reachableFrom: current, excluding: work.old, repository: repository)
            let missing = try work.commits.filter { commit in
                guard !seen.contains(commit.commit.id), try !repository.isAncestor(commit.commit.id, of: current) else { return false }
                return try repository.patchID(of: commit.commit.id).map { !copies.contains($0) } ?? true
            }
            seen.formUnion(work.commits.map(\.commit.id))
            guard !missing.isEmpty else { continue }
            let witness = askServer ? ServerWitness.forcedUpdate(to: work.new, trackingRef: trackingRef, repository: repository) : nil
            found.append(work.keeping(missing, rewrittenBy: witness))
        }
        return found
    }

    /// A forced update of a remote-tracking ref that a fetch made: someone else force-pushed. Not the ref's
    /// update by this clone's own push (`update by push`, which `git push --force --no-verify` and backfill
    /// can leave in the log as a local forced update).
    public struct Move: Sendable, Equatable {
        public let old: ObjectID
        public let new: ObjectID
        public let time: Date
    }

    /// The fetched forced updates of `trackingRef`, newest first: the reflog's `…: forced-update` entries
    /// (git's fetch names them so). Where the ref has no reflog at all (`core.logAllRefUpdates=false`, or
    /// deleted with the ref), the audit log's local forced updates of it stand in, but not one backfill
    /// took from an entry that was no fetch, nor one whose new value this clone pushed (a push's own
    /// update). Where the reflog has expired an entry, the update is older than reflog expiry: not counted
    /// (an expired `update by push` would be taken for a fetch).
    public static func fetchedForcedUpdates(of trackingRef: String, repository: Repository, store: AuditStore?) -> [Move] {
        var moves: [Move] = []
        let reflog = (try? repository.reflog(of: trackingRef)) ?? []
        for entry in reflog where entry.message.hasSuffix(": forced-update") {
            if let old = entry.old, let new = entry.new { moves.append(Move(old: old, new: new, time: entry.time)) }
        }
        if let store, reflog.isEmpty {
            var filter = EventFilter(repository: repository.auditIdentity)
            filter.side = .client
            let pushed = Set(((try? store.events(filter)) ?? []).compactMap(\.new))
            (filter.ref, filter.side, filter.rewrites) = (trackingRef, .local, true)
            for event in (try? store.events(filter)) ?? [] where event.kind == .forced {
                guard let old = event.old, let new = event.new, !pushed.contains(new) else { continue }
                if let reason = event.reason, reason.hasPrefix("reflog: "), !reason.hasSuffix(": forced-update") { continue }
                moves.append(Move(old: old, new: new, time: event.time))
            }
        }
        return moves.sorted { $0.time > $1.time }
    }

    func keeping(_ commits: [Commit], rewrittenBy: Rewriter?) -> DroppedUpstreamWork {
        DroppedUpstreamWork(trackingRef: trackingRef, old: old, new: new, time: time, commits: commits,
                            droppedCount: droppedCount, rewrittenBy: rewrittenBy, newTipCommitter: newTipCommitter,
                            trackingBranches: trackingBranches)
    }
}

/// What a server's own audit log says about a forced update, when this clone can read it: the remote is a
/// repository on this machine (a path or a `file://` URL) with Refuge installed. A remote over ssh or http
/// says nothing of the kind in git's protocol.
enum ServerWitness {
    static func forcedUpdate(to new: ObjectID, trackingRef: String, repository: Repository) -> DroppedUpstreamWork.Rewriter? {
        guard let refspecs = refspecs(writing: trackingRef, repository: repository),
              let remoteRef = try? refspecs.remoteReference(forTracking: trackingRef),
              let path = localPath(of: refspecs.url ?? "", in: repository),
              let server = try? Repository.open(at: path),
              let location = try? AuditLocation.resolve(for: server, environment: ProcessInfo.processInfo.environment)
        else { return nil }
        let database = location.databasePath
        // Where this account may write the server's log, as any git refuge command there would (a shared
        // log's files are created group-writable: refuge.sharedDatabase); else read as it is.
        let writable = FileManager.default.fileExists(atPath: database)
            ? access(database, W_OK) == 0 : access((database as NSString).deletingLastPathComponent, W_OK) == 0
        // The push that force-updated it may still wait in the server's spool: drained first where this
        // account may write the server's log (as any git refuge command there would; idempotent).
        let store: AuditStore
        if writable,
           let session = try? AuditSession(repository: server, environment: ProcessInfo.processInfo.environment, access: .searching) {
            store = session.store
        } else if access(database, R_OK) == 0, let readOnly = try? AuditStore(location: location, readOnly: true) {
            store = readOnly
        } else {
            return nil
        }
        var filter = EventFilter(repository: server.auditIdentity)
        (filter.ref, filter.side, filter.rewrites) = (remoteRef, .server, true)
        guard let events = try? store.events(filter),
              let event = events.last(where: { $0.new.flatMap { try? server.peelToCommit($0) } == new })
        else { return nil }
        return DroppedUpstreamWork.Rewriter(pusher: event.pusher, time: event.time, address: event.address)
    }

    /// The fetch refspecs of the remote that writes `trackingRef` (`refs/remotes/<remote>/…`; a remote's
    /// name may hold a slash).
    static func refspecs(writing trackingRef: String, repository: Repository) -> FetchRefspecs? {
        guard trackingRef.hasPrefix("refs/remotes/") else { return nil }
        let parts = trackingRef.dropFirst("refs/remotes/".count).split(separator: "/", omittingEmptySubsequences: false)
        for count in stride(from: parts.count - 1, through: 1, by: -1) {
            let name = parts.prefix(count).joined(separator: "/")
            if let refspecs = try? repository.fetchRefspecs(of: name),
               (try? refspecs.remoteReference(forTracking: trackingRef)) != nil {
                return refspecs
            }
        }
        return nil
    }

    /// A URL that names a directory on this machine: an absolute or relative path, or `file://`. Relative
    /// paths are relative to the work tree, as git reads them.
    static func localPath(of url: String, in repository: Repository) -> String? {
        var path = url
        if path.hasPrefix("file://") {
            path = String(path.dropFirst("file://".count))
        } else if path.contains("://") || (path.firstIndex(of: ":").map { colon in !path[..<colon].contains("/") } ?? false) {
            return nil  // ssh://, https://, or scp-like host:path
        }
        if !path.hasPrefix("/") {
            path = (repository.workingDirectory ?? repository.gitDirectory) + "/" + path
        }
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue ? path : nil
    }
}
