import Foundation
import GitKit

/// Before a rebase (the `pre-rebase` hook, which `git pull --rebase` runs too): the commits of this clone's
/// own the rebase is about to drop because upstream no longer has them. A rebase replays what the branch has
/// beyond its upstream and drops the rest; with a fork point (`git pull --rebase`, or `git rebase` without
/// an upstream), "the rest" reaches back to the upstream's old tip, so a commit you pushed that someone
/// force-pushed away upstream is dropped from your branch as well, silently.
public struct RebaseCheck: Sendable {
    /// What the rebase was asked, from git's command line.
    public struct Arguments: Sendable, Equatable {
        /// `--onto`'s value.
        public var onto: String?
        /// `--fork-point` (true), `--no-fork-point` (false), neither (nil).
        public var forkPoint: Bool?
        /// Whether an upstream was named (without one git takes the branch's upstream, with a fork point).
        public var namesUpstream = false
        /// `--root`, `--keep-base`, `--continue` and the like: nothing of this check's kind.
        public var unsupported = false

        /// Parses `git [options] rebase [options] [upstream [branch]]`; nil when there is no `rebase`.
        public init?(commandLine given: [String]) {
            var arguments = given
            if arguments.last == "" { arguments.removeLast() }
            guard let rebase = arguments.firstIndex(of: "rebase") else { return nil }
            var index = rebase + 1
            var positional = 0
            // Options of `git rebase` that take their value as the next argument.
            let valued: Set<String> = ["--onto", "-s", "--strategy", "-X", "--strategy-option", "-x", "--exec", "--whitespace",
                                       "--empty", "-C"]
            while index < arguments.count {
                let argument = arguments[index]
                index += 1
                if argument == "--" { positional += arguments.count - index; break }
                if argument == "--onto", index < arguments.count { onto = arguments[index]; index += 1; continue }
                if argument.hasPrefix("--onto=") { onto = String(argument.dropFirst("--onto=".count)); continue }
                if valued.contains(argument) { index += 1; continue }
                switch argument {
                case "--fork-point": forkPoint = true
                case "--no-fork-point": forkPoint = false
                case "--root", "--keep-base", "--continue", "--skip", "--abort", "--quit", "--edit-todo", "--show-current-patch":
                    unsupported = true
                default:
                    if !argument.hasPrefix("-") { positional += 1 }
                }
            }
            namesUpstream = positional > 0
        }

    }

    /// The branch being rebased (`main`), or nil for a detached HEAD.
    public let branch: String?
    /// The commits of your own the rebase would drop, that no remote-tracking ref has any more, newest first.
    public let dropping: [DroppedUpstreamWork.Commit]
    /// The upstream's old tip the rebase starts from (the fork point) and what it rebases onto.
    public let forkPoint: ObjectID?
    public let onto: ObjectID?
    /// The branch's upstream, short (`origin/main`): what to name to rebase without a fork point.
    public var upstream: String?

    public static let none = RebaseCheck(branch: nil, dropping: [], forkPoint: nil, onto: nil)

    /// - Parameters:
    ///   - upstream: the hook's first argument (a name or, from `git pull --rebase`, the fork point's id).
    ///   - branchArgument: its second, when the rebase names the branch.
    ///   - arguments: the rebase's command line; nil when it cannot be read (then no `--onto` is known and
    ///     a fork point is assumed only where git would take one, for a full remote-tracking name).
    public static func run(upstream: String, branchArgument: String?, arguments: Arguments?, repository: Repository,
                           store: AuditStore?) throws -> RebaseCheck {
        guard arguments?.unsupported != true else { return .none }
        // The branch rebased: the one named (a local branch, else whatever it names, with no branch to
        // speak of), or the checked-out one.
        var branchRef = try repository.symbolicTarget(of: "HEAD")
        var tipID = try repository.resolveReference("HEAD")
        if let named = branchArgument {
            let local = named.hasPrefix("refs/heads/") ? named : "refs/heads/\(named)"
            if Repository.isValidReferenceName(local), let value = try? repository.resolveReference(local) {
                (branchRef, tipID) = (local, value)
            } else {
                (branchRef, tipID) = (nil, try? repository.resolveRevision(named))
            }
        }
        guard let tipID, let tip = try repository.peelToCommit(tipID),
              let upstreamID = try repository.resolveRevision(upstream), let upstreamCommit = try repository.peelToCommit(upstreamID)
        else { return .none }
        let branchName = branchRef.map { $0.replacingOccurrences(of: "refs/heads/", with: "") }
        let upstreamName = try fullName(of: upstream, repository: repository)
        let branchTracking = try branchName.flatMap { try repository.upstreamTrackingRef(ofBranch: $0) }
        var ontoCommit = try arguments?.onto.flatMap { try repository.resolveRevision($0) }.flatMap { try repository.peelToCommit($0) }
            ?? upstreamCommit
        if arguments == nil, upstreamName == nil, let branchTracking,
           let value = try repository.resolveReference(branchTracking).flatMap({ try repository.peelToCommit($0) }) {
            // No command line to read (not Linux), and an id for upstream: `git pull --rebase`'s fork point,
            // and what it rebases onto is the branch's upstream as just fetched.
            ontoCommit = value
        }
        // The fork point: with `--fork-point`, or by default when no upstream was named (rebase.forkPoint).
        let forkMode = arguments?.forkPoint
            ?? ((arguments.map { !$0.namesUpstream } ?? upstream.hasPrefix("refs/remotes/"))
                && (((try? repository.configBool("rebase.forkPoint")) ?? nil) ?? true))
        var start = upstreamCommit
        if forkMode, let upstreamName, let point = try forkPoint(of: upstreamName, tip: tip, repository: repository) {
            start = point
        }
        let upstreamRef = branchTracking ?? upstreamName
        let shortUpstream = upstreamRef.map { $0.replacingOccurrences(of: "refs/remotes/", with: "") }
        let nothing = RebaseCheck(branch: branchName, dropping: [], forkPoint: start, onto: ontoCommit, upstream: shortUpstream)
        guard let base = try repository.mergeBase(tip, start) else { return nothing }
        let dropped = try repository.commits(reachableFrom: [base], excluding: [ontoCommit], limit: 2_000)
        guard !dropped.isEmpty else { return nothing }

        // Of those, only what a fetched forced update took from the upstream (someone force-pushed over it:
        // the ref's reflog says `…: forced-update`), not what you rewrote yourself (your own force push
        // moves it "by push"; `--onto` past commits of your own is your call). And of that: your own
        // (pushed from here, or written by you), that no remote-tracking ref reaches, and with no copy in
        // what the rebase goes onto.
        let lostUpstream = try lostToFetchedForcedUpdates(of: [upstreamRef, upstreamName].compactMap { $0 }, repository: repository)
        let candidates = dropped.filter { lostUpstream.contains($0.id) }
        guard !candidates.isEmpty else { return nothing }
        let own = OwnWork(repository: repository, store: store)
        let pushed = try own.pushTimes(of: Set(dropped.map(\.id)), hidden: [ontoCommit])
        let remoteTips = try repository.references(under: "refs/remotes/").compactMap { try repository.peelToCommit($0.target) }
        var dropping: [DroppedUpstreamWork.Commit] = []
        var copies: Set<ObjectID>?
        for commit in candidates {
            guard pushed[commit.id] != nil || own.wrote(commit) else { continue }
            if try remoteTips.contains(where: { try repository.isAncestor(commit.id, of: $0) }) { continue }
            if copies == nil {
                copies = try DroppedUpstreamWork.patches(reachableFrom: ontoCommit, excluding: base, repository: repository)
            }
            if let patch = try repository.patchID(of: commit.id), copies!.contains(patch) { continue }
            dropping.append(DroppedUpstreamWork.Commit(commit: commit, pushedAt: pushed[commit.id],
                                                       heldBy: branchName.map { [$0] } ?? []))
        }
        return RebaseCheck(branch: branchName, dropping: dropping, forkPoint: start, onto: ontoCommit, upstream: shortUpstream)
    }

    /// The commits fetched forced updates of `refs` took away: for each reflog entry `…: forced-update`,
    /// what its old value reaches and its new value does not.
    static func lostToFetchedForcedUpdates(of refs: [String], repository: Repository) throws -> Set<ObjectID> {
        var lost: Set<ObjectID> = []
        for ref in Set(refs) where ref.hasPrefix("refs/remotes/") {
            for move in DroppedUpstreamWork.fetchedForcedUpdates(of: ref, repository: repository, store: nil).prefix(50) {
                guard repository.contains(move.old), let old = try repository.peelToCommit(move.old),
                      let new = try repository.peelToCommit(move.new)
                else { continue }
                lost.formUnion(try repository.commits(reachableFrom: [old], excluding: [new], limit: DroppedUpstreamWork.walkLimit).map(\.id))
            }
        }
        return lost
    }

    /// git's fork point (`git merge-base --fork-point`): of the values `ref`'s reflog remembers (each entry's
    /// new value, and the first entry's old one), the one the branch grew from. As git computes it: the best
    /// common ancestors of `tip` and all those values together must be exactly one commit, and one of the
    /// values (else git finds none, and rebases from the plain merge base).
    static func forkPoint(of ref: String, tip: ObjectID, repository: Repository) throws -> ObjectID? {
        let reflog = (try? repository.reflog(of: ref)) ?? []
        var values: [ObjectID] = []
        // The newest 1,000 entries' new values, and the very first entry's old value.
        for id in reflog.prefix(1_000).compactMap(\.new) + [reflog.last?.old].compactMap({ $0 }) {
            if let commit = try repository.peelToCommit(id), !values.contains(commit) { values.append(commit) }
        }
        if values.isEmpty, let current = try repository.resolveReference(ref).flatMap({ try repository.peelToCommit($0) }) {
            values = [current]
        }
        let bases = try repository.mergeBases(of: tip, against: values)
        guard bases.count == 1, values.contains(bases[0]) else { return nil }
        return bases[0]
    }

    /// The full name of a ref named as git accepts it (`origin/main` → `refs/remotes/origin/main`); nil for
    /// an id or a revision that names no ref.
    static func fullName(of name: String, repository: Repository) throws -> String? {
        guard Repository.isValidReferenceName(name.hasPrefix("refs/") ? name : "refs/\(name)") else { return nil }
        for candidate in EventFilter.candidateNames(for: name) where ((try? repository.resolveReference(candidate)) ?? nil) != nil {
            return candidate
        }
        return nil
    }
}
