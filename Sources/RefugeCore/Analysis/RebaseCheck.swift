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
            let valued: Set<String> = ["--onto", "-s", "--strategy", "-X", "--strategy-option", "-x", "--exec"]
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

        public init() {}
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
        let branchRef = try branchArgument.map { $0.hasPrefix("refs/") ? $0 : "refs/heads/\($0)" }
            ?? repository.symbolicTarget(of: "HEAD")
        guard let tipID = try branchRef.flatMap({ try repository.resolveReference($0) }) ?? repository.resolveReference("HEAD"),
              let tip = try repository.peelToCommit(tipID),
              let upstreamID = try repository.resolveRevision(upstream), let upstreamCommit = try repository.peelToCommit(upstreamID)
        else { return .none }
        let branchName = branchRef.map { $0.replacingOccurrences(of: "refs/heads/", with: "") }
        let upstreamName = try fullName(of: upstream, repository: repository)
        var ontoCommit = try arguments?.onto.flatMap { try repository.resolveRevision($0) }.flatMap { try repository.peelToCommit($0) }
            ?? upstreamCommit
        if arguments == nil, upstreamName == nil, let branchName,
           let tracking = try tracking(of: branchName, repository: repository),
           let value = try repository.resolveReference(tracking).flatMap({ try repository.peelToCommit($0) }) {
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
        guard let base = try repository.mergeBase(tip, start) else { return .none }
        let dropped = try repository.commits(reachableFrom: [base], excluding: [ontoCommit], limit: 2_000)
        guard !dropped.isEmpty else { return RebaseCheck(branch: branchName, dropping: [], forkPoint: start, onto: ontoCommit) }

        // Of those: your own (pushed from here, or written by you), that no remote-tracking ref reaches (the
        // remote no longer has them), and not in what the rebase goes onto as a copy.
        let own = OwnWork(repository: repository, store: store)
        let droppedSet = Set(dropped.map(\.id))
        let pushed = try own.pushTimes(of: droppedSet, hidden: [ontoCommit])
        let remoteTips = try repository.references(under: "refs/remotes/").compactMap { try repository.peelToCommit($0.target) }
        // What upstream once had: the reflog of the ref named, else (`git pull --rebase` names the fork point by
        // its id) of the branch's configured upstream.
        let pastUpstream = try pastValues(of: upstreamName ?? branchName.flatMap { try tracking(of: $0, repository: repository) },
                                          repository: repository)
        var dropping: [DroppedUpstreamWork.Commit] = []
        var copies: Set<ObjectID>?
        for commit in dropped {
            let wasUpstreams = try own.wrote(commit) && pastUpstream.contains { try repository.isAncestor(commit.id, of: $0) }
            guard pushed[commit.id] != nil || wasUpstreams else { continue }
            if try remoteTips.contains(where: { try repository.isAncestor(commit.id, of: $0) }) { continue }
            if copies == nil {
                copies = try DroppedUpstreamWork.patches(reachableFrom: ontoCommit, excluding: base, repository: repository)
            }
            if let patch = try repository.patchID(of: commit.id), copies!.contains(patch) { continue }
            dropping.append(DroppedUpstreamWork.Commit(commit: commit, pushedAt: pushed[commit.id],
                                                       heldBy: branchName.map { [$0] } ?? []))
        }
        let upstreamRef = try branchName.flatMap { try tracking(of: $0, repository: repository) } ?? upstreamName
        return RebaseCheck(branch: branchName, dropping: dropping, forkPoint: start, onto: ontoCommit,
                           upstream: upstreamRef.map { $0.replacingOccurrences(of: "refs/remotes/", with: "") })
    }

    /// git's fork point (`git merge-base --fork-point`): of the values `ref`'s reflog remembers, the one the
    /// branch grew from. The newest reflog value that is an ancestor of `tip`, if every other value's merge
    /// base with `tip` lies below it (else git finds none, and rebases from the plain merge base).
    static func forkPoint(of ref: String, tip: ObjectID, repository: Repository) throws -> ObjectID? {
        var values: [ObjectID] = []
        for entry in ((try? repository.reflog(of: ref)) ?? []).prefix(1_000) {
            if let new = entry.new, let commit = try repository.peelToCommit(new), !values.contains(commit) { values.append(commit) }
        }
        guard let point = try values.first(where: { try repository.isAncestor($0, of: tip) }) else { return nil }
        for value in values where value != point {
            guard let base = try repository.mergeBase(tip, value), try repository.isAncestor(base, of: point) else { return nil }
        }
        return point
    }

    /// The remote-tracking ref of `branch`'s configured upstream.
    static func tracking(of branch: String, repository: Repository) throws -> String? {
        guard let remote = try repository.configString("branch.\(branch).remote"),
              let merge = try repository.configString("branch.\(branch).merge")
        else { return nil }
        return try repository.trackingReference(remote: remote, remoteReference: merge)
    }

    /// The values a remote-tracking ref held (its reflog).
    static func pastValues(of ref: String?, repository: Repository) throws -> [ObjectID] {
        guard let ref else { return [] }
        var values: Set<ObjectID> = []
        for entry in (try? repository.reflog(of: ref)) ?? [] {
            if let new = entry.new, let commit = try repository.peelToCommit(new) { values.insert(commit) }
        }
        return values.sorted()
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
