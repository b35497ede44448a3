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
}

/// Finds lost commits: values that reflogs (of every ref and of HEAD, linked worktrees included), the
/// audit log and pins remember, and with `allObjects` every commit in the object database; keeps those no
/// ref outside `refs/refuge/` reaches, and reports each lost chain once, by its tip.
public struct LostCommitScan {
    public struct Options: Sendable {
        public var since: Date?
        public var allObjects = false
        public init(since: Date? = nil, allObjects: Bool = false) {
            self.since = since
            self.allObjects = allObjects
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

        var sources: [LostCommit.Source] {
            LostCommit.Source.allCases.enumerated().filter { sourceBits & (1 << $0.offset) != 0 }.map(\.element)
        }

        mutating func insert(_ source: LostCommit.Source) {
            sourceBits |= 1 << LostCommit.Source.allCases.firstIndex(of: source)!
        }

        mutating func saw(_ source: LostCommit.Source, ref: String?, at time: Date?) {
            insert(source)
            if source == .reflog, let time, lastReflogMention.map({ time > $0 }) ?? true { lastReflogMention = time }
            if let time, self.time.map({ time >= $0 }) ?? true {
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
        let reachable = try (known ?? live(progress: progress)).commits
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
            result.append(LostCommit(
                tip: summary, commits: exclusive[tip] ?? 1, source: sources.first ?? .objectDatabase, foundIn: sources,
                ref: known.ref, time: time, expires: expires, pin: known.pin))
        }
        return result.sorted { ($0.time, $0.tip.id) > ($1.time, $1.tip.id) }
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
    public func live(progress: ((String) -> Void)? = nil) throws -> LiveHistory {
        repository.refreshCommitGraph { progress?("writing the commit-graph") }
        progress?("walking live history")
        let tips = try liveTips()
        return LiveHistory(tips: tips, commits: try repository.commitSet(reachableFrom: tips, excluding: []))
    }

    /// The commits the repository's refs reach, Refuge's pins excepted (`remainingTips`), and each linked
    /// worktree's HEAD.
    private func liveTips() throws -> [ObjectID] {
        var tips = Set(try UpdateClassifier(repository: repository).remainingTips(excluding: nil))
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
        for name in repository.reflogReferenceNames() where !name.hasPrefix("refs/refuge/") {
            try body(name, (try? repository.reflogMoves(of: name)) ?? [])
        }
        for worktree in repository.linkedWorktreeDirectories() {
            guard let other = try? Repository.open(at: worktree) else { continue }
            let name = "HEAD of worktree \((worktree as NSString).lastPathComponent)"
            try body(name, (try? other.reflogMoves(of: "HEAD")) ?? [])
        }
    }
}
