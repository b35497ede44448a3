import Foundation
import GitKit

/// A chain of commits that no ref reaches (Refuge's pins aside), named by its tip.
public struct LostCommit: Sendable {
    /// Where Refuge found it, strongest keeper first.
    public enum Source: String, Sendable, CaseIterable, Codable, Comparable {
        /// A pin keeps it: no expiry.
        case pin
        /// A reflog entry mentions it (until that entry expires).
        case reflog
        /// The audit log recorded it as a ref's value (survives `branch -D` and reflog expiry).
        case auditLog = "audit-log"
        /// Only the object database has it (`--all-objects`, what `git fsck --unreachable` finds).
        case objectDatabase = "object-database"

        public static func < (lhs: Source, rhs: Source) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public let tip: CommitSummary
    /// Commits reachable from this tip and from no other lost tip (nor any ref).
    public let commits: Int
    public let source: Source
    public let foundIn: [Source]
    /// Where it was last seen: a ref's name (`origin:refs/heads/x` for a clone's push record).
    public let ref: String?
    /// When it was last seen on a ref, else its author date.
    public let time: Date
    /// When reflog expiry and gc would take it; nil when pinned (or gc is set to never prune).
    public let expires: Date?
    /// The pin keeping it, if any.
    public let pin: String?
    /// Whether it is lost work, or only looks lost (its copy is live, a recovery brought it back, the stash
    /// entry was applied).
    public let state: State
    /// What held it, when that says more than a ref name: `detached HEAD`, `dropped stash`, `applied stash`.
    public let held: String?
    /// For `rewritten` and `recovered`: the live commit that is the tip's copy (or the tip itself).
    public let copy: ObjectID?
    /// For `recovered`: the recovery (event id) that brought it back.
    public let recoveredBy: Int64?

    public enum State: String, Sendable, Codable, CaseIterable {
        /// Work no ref has: the chains `lost` is for.
        case lost
        /// Every commit of the chain has a live copy (a rebase, an amend, a cherry-pick): not lost work.
        case rewritten
        /// A recovery brought it back: its copy (a replay) is live.
        case recovered
        /// A stash entry `git stash pop` applied: its changes went into the working tree.
        case applied
    }
}

/// Finds lost commits: values that reflogs (of every ref and of HEAD, linked worktrees included), the
/// audit log and pins remember, and with `allObjects` every commit in the object database; keeps those no
/// ref outside `refs/refuge/` reaches, and reports each lost chain once, by its tip.
public struct LostCommitScan {
    public struct Options: Sendable {
        public var since: Date?
        public var allObjects = false
        /// Write Refuge's commit-graph when it is missing or stale (not where Refuge is not installed:
        /// a read there writes nothing into `.git`).
        public var writesCommitGraph = true
        public init(since: Date? = nil, allObjects: Bool = false, writesCommitGraph: Bool = true) {
            self.since = since
            self.allObjects = allObjects
            self.writesCommitGraph = writesCommitGraph
        }
    }

    let repository: Repository
    let store: AuditStore

    public init(repository: Repository, store: AuditStore) {
        self.repository = repository
        self.store = store
    }

    /// What is known of one candidate commit. A value type without heap storage of its own (the sources
    /// are bits): a scan updates it once per reflog entry, a million times in a large repository.
    private struct Evidence {
        private var sourceBits: UInt8 = 0
        var ref: String?
        var time: Date?
        var lastReflogMention: Date?
        var pin: String?
        /// The log recorded `git stash pop` deleting the stash with this value: applied, not dropped.
        var appliedStash = false

        var sources: [LostCommit.Source] {
            LostCommit.Source.allCases.enumerated().filter { sourceBits & (1 << $0.offset) != 0 }.map(\.element)
        }

        mutating func insert(_ source: LostCommit.Source) {
            sourceBits |= 1 << LostCommit.Source.allCases.firstIndex(of: source)!
        }

        mutating func saw(_ source: LostCommit.Source, ref: String?, at time: Date?) {
            insert(source)
            if source == .reflog, let time, lastReflogMention.map({ time > $0 }) ?? true { lastReflogMention = time }
            // The latest mention names the ref; at the same instant a branch beats git's bookkeeping (a rebase
            // writes HEAD's reflog and the branch's in the same second).
            let newer = self.time.map { known in
                guard let time else { return false }
                return time > known || time == known && !(ref.map { RefRole(ref: $0).isBookkeeping } ?? true)
            } ?? (time != nil)
            if let time, newer {
                self.time = time
                if let ref { self.ref = ref }
            } else if self.ref == nil {
                self.ref = ref
            }
        }
    }

    /// Lost chain tips, newest first. `progress` gets short status lines for a terminal.
    /// `live`: what `live()` returned, when the caller already has it (a report shares it).
    public func run(_ options: Options, live known: LiveHistory? = nil, progress: ((String) -> Void)? = nil) throws
        -> [LostCommit]
    {
        // Everything the refs reach, first: a value in it is no candidate, and is dropped with one set
        // lookup, before any object is read or any evidence kept. In a large repository nearly every reflog
        // entry names such a commit (a million entries read in a fraction of the time).
        let history = try known ?? live(refreshingGraph: options.writesCommitGraph, progress: progress)
        let reachable = history.commits
        let liveTips = history.tips
        var evidence: [ObjectID: Evidence] = [:]
        var peeled: [ObjectID: ObjectID?] = [:]
        /// The commit `id` is or peels to, when it exists and no ref reaches it.
        func commit(_ id: ObjectID) throws -> ObjectID? {
            if reachable.contains(id) { return nil }
            if let known = peeled[id] { return known }
            let value = try repository.commitIfPresent(id).flatMap { reachable.contains($0) ? nil : $0 }
            peeled[id] = value
            return value
        }

        progress?("reading reflogs")
        try forEachReflog { name, entries in
            for entry in entries {
                for value in [entry.old, entry.new] {
                    guard let value, let id = try commit(value) else { continue }
                    evidence[id, default: Evidence()].saw(.reflog, ref: name, at: entry.time)
                }
            }
        }
        progress?("reading the audit log")
        for mention in try store.objectMentions(repository: repository.auditIdentity) {
            guard let id = try commit(mention.object) else { continue }
            evidence[id, default: Evidence()].saw(.auditLog, ref: mention.ref, at: mention.time)
            if mention.appliedStash { evidence[id]!.appliedStash = true }
        }
        for pin in try Pins(repository: repository, store: store).all() {
            guard let id = try commit(pin.target) else { continue }
            evidence[id, default: Evidence()].saw(.pin, ref: pin.record.sourceRef, at: pin.record.createdAt)
            evidence[id]!.pin = pin.name
        }
        if options.allObjects {
            for id in try repository.allCommitObjects(progress: { progress?("scanning objects: \($0)") })
            where !reachable.contains(id) {
                evidence[id, default: Evidence()].insert(.objectDatabase)
            }
        }

        progress?("walking lost history")
        // Exact: what the candidates reach outside everything live (a walk hiding the live tips could
        // report reachable commits as lost: Repository.commits(reachableFrom:outside:)).
        let lost = try repository.commits(reachableFrom: Array(evidence.keys).sorted(), outside: reachable)
        guard !lost.isEmpty else { return [] }
        var parents: [ObjectID: [ObjectID]] = [:]
        var hasLostChild: Set<ObjectID> = []
        for id in lost {
            let inside = try repository.parents(of: id).filter { lost.contains($0) }
            parents[id] = inside
            hasLostChild.formUnion(inside)
        }
        let tips = lost.subtracting(hasLostChild)
        let exclusive = Self.exclusiveCounts(tips: tips, parents: parents)
        let schedule = GCSchedule(repository: repository)
        let since = try CommitCopies.earliestCopyTime(tips.map { ($0, evidence[$0]?.time) }, repository: repository)
        let copies = try CommitCopies(repository: repository, liveTips: liveTips, since: since, unreachable: lost)
        let recoveries = RecoveryAttribution(repository: repository, recoveries: try store.recoveries(in: repository.auditIdentity))

        var result: [LostCommit] = []
        for tip in tips {
            let known = evidence[tip] ?? Evidence()
            let summary = try repository.commitSummary(tip)
            let time = known.time ?? summary.authorTime
            if let since = options.since, time < since { continue }
            let sources = known.sources
            let expires = known.pin != nil
                ? nil
                : schedule.expiry(lastReflogMention: known.lastReflogMention, stored: repository.storage(of: tip)?.modified)
            let fate = try fate(of: tip, known: known, parents: parents, copies: copies, recoveries: recoveries)
            result.append(LostCommit(
                tip: summary, commits: exclusive[tip] ?? 1, source: sources.first ?? .objectDatabase, foundIn: sources,
                ref: known.ref, time: time, expires: expires, pin: known.pin, state: fate.state, held: fate.held,
                copy: fate.copy, recoveredBy: fate.recoveredBy))
        }
        // Lost work first, newest first; then what only looks lost.
        return result.sorted {
            let (a, b) = (LostCommit.State.allCases.firstIndex(of: $0.state)!, LostCommit.State.allCases.firstIndex(of: $1.state)!)
            return a != b ? a < b : ($0.time, $0.tip.id) > ($1.time, $1.tip.id)
        }
    }

    /// Whether a lost chain is lost work: a chain whose every commit has a live copy was rewritten (or,
    /// when a recovery added the copies, recovered); a stash entry `git stash pop` deleted was applied.
    private func fate(of tip: ObjectID, known: Evidence, parents: [ObjectID: [ObjectID]], copies: CommitCopies,
                      recoveries: RecoveryAttribution) throws
        -> (state: LostCommit.State, held: String?, copy: ObjectID?, recoveredBy: Int64?)
    {
        let role = known.ref.map(RefRole.init(ref:))
        if role == .bookkeeping(.stash), known.appliedStash { return (.applied, "applied stash", nil, nil) }
        let held: String? = switch role {
        case .bookkeeping(.stash): "dropped stash"
        case .bookkeeping(.detachedHead): "detached HEAD"
        default: nil
        }
        // The chain: the tip and its lost ancestors (shared ones too: each needs a copy).
        var chain: [ObjectID] = []
        var stack = [tip]
        var seen: Set<ObjectID> = [tip]
        while let id = stack.popLast() {
            chain.append(id)
            for parent in parents[id] ?? [] where seen.insert(parent).inserted { stack.append(parent) }
        }
        guard copies.mayHaveCopies else { return (.lost, held, nil, nil) }
        var tipCopy: ObjectID?
        for id in chain {
            guard let copy = try copies.copy(of: try repository.commitSummary(id)) else { return (.lost, held, nil, nil) }
            if id == tip { tipCopy = copy }
        }
        if let tipCopy, let recovery = try recoveries.recovery(thatAdded: tipCopy) {
            return (.recovered, nil, tipCopy, recovery.id)
        }
        return (.rewritten, nil, tipCopy, nil)
    }

    /// For each tip, how many lost commits only it reaches.
    static func exclusiveCounts(tips: Set<ObjectID>, parents: [ObjectID: [ObjectID]]) -> [ObjectID: Int] {
        var reachedBy: [ObjectID: Int] = [:]
        var owner: [ObjectID: ObjectID] = [:]
        for tip in tips {
            var stack = [tip]
            var seen: Set<ObjectID> = [tip]
            while let id = stack.popLast() {
                reachedBy[id, default: 0] += 1
                owner[id] = tip
                for parent in parents[id] ?? [] where seen.insert(parent).inserted { stack.append(parent) }
            }
        }
        var counts: [ObjectID: Int] = [:]
        for (id, count) in reachedBy where count == 1 { counts[owner[id]!, default: 0] += 1 }
        return counts
    }

    /// What the refs reach: their tips and every commit of their history.
    public struct LiveHistory {
        public let tips: [ObjectID]
        public let commits: Set<ObjectID>
    }

    /// Everything live, by one walk (through the commit-graph, written first if it is missing or stale).
    public func live(refreshingGraph: Bool = true, progress: ((String) -> Void)? = nil) throws -> LiveHistory {
        if refreshingGraph { repository.refreshCommitGraph { progress?("writing the commit-graph") } }
        progress?("walking live history")
        let tips = try liveTips()
        return LiveHistory(tips: tips, commits: try repository.commitSet(reachableFrom: tips, excluding: []))
    }

    /// The commits the repository's refs reach, Refuge's pins excepted (`remainingTips`), each linked
    /// worktree's HEAD, and the stash list (the entries of `refs/stash`'s reflog are live stash entries).
    private func liveTips() throws -> [ObjectID] {
        var tips = Set(try UpdateClassifier(repository: repository).remainingTips(excluding: nil))
        for entry in (try? repository.reflogMoves(of: "refs/stash")) ?? [] {
            if let new = entry.new, let commit = try repository.commitIfPresent(new) { tips.insert(commit) }
        }
        for worktree in repository.linkedWorktreeDirectories() {
            guard let other = try? Repository.open(at: worktree),
                  let head = try? other.resolveReference("HEAD"), let commit = try repository.peelToCommit(head)
            else { continue }
            tips.insert(commit)
        }
        return tips.sorted()
    }

    /// The reflogs of every ref and of HEAD, and of each linked worktree's HEAD, one at a time: a large
    /// repository's reflogs together would not fit in memory as entries.
    private func forEachReflog(_ body: (String, [ReflogMove]) throws -> Void) throws {
        for name in repository.reflogReferenceNames() where !RefugeRefs.isRefugeOwned(name) && name != "refs/stash" {
            try body(name, (try? repository.reflogMoves(of: name)) ?? [])
        }
        for worktree in repository.linkedWorktreeDirectories() {
            guard let other = try? Repository.open(at: worktree) else { continue }
            let name = "HEAD of worktree \((worktree as NSString).lastPathComponent)"
            try body(name, (try? other.reflogMoves(of: "HEAD")) ?? [])
        }
    }
}
