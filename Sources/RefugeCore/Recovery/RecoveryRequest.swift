import Foundation
import GitKit

/// What `git refuge recover` was asked to do.
public struct RecoveryRequest: Sendable {
    /// What to bring back: the old value of a recorded update, or any revision.
    public enum Target: Sendable, Equatable {
        case event(Int64)
        case revision(String)

        /// `12` or `#12` (up to six digits) names an event; anything else is a revision (`1a2b3c4`, `main@{2}`).
        public init(parsing text: String) {
            let digits = text.hasPrefix("#") ? String(text.dropFirst()) : text
            if !digits.isEmpty, digits.count <= 6 || text.hasPrefix("#"), digits.allSatisfy(\.isNumber), let id = Int64(digits) {
                self = .event(id)
            } else {
                self = .revision(text)
            }
        }
    }

    public var ref: String
    public var target: Target?
    /// `--as NEWREF`: restore beside REF instead of moving it.
    public var newRef: String?
    public var replay = false
    public var force = false
    public var dryRun = false

    public init(ref: String, target: Target? = nil, newRef: String? = nil, replay: Bool = false, force: Bool = false,
                dryRun: Bool = false) {
        self.ref = ref
        self.target = target
        self.newRef = newRef
        self.replay = replay
        self.force = force
        self.dryRun = dryRun
    }
}

/// Why a recovery did not go ahead. Each says what happened and what to do next.
public enum RecoveryRefusal: Error, CustomStringConvertible, Sendable {
    case unknownRef(String)
    case nothingToRecover(ref: String)
    case unknownEvent(Int64)
    case eventOfAnotherRef(event: Int64, eventRef: String, ref: String)
    case eventOfAClientPush(event: Int64, remote: String?)
    case eventCreatedRef(event: Int64, ref: String)
    case unknownRevision(String)
    case targetMissing(ObjectID, basis: String)
    case movedSince(ref: String, expected: ObjectID?, current: ObjectID?, newCommits: [CommitSummary], basis: String)
    case movedMeanwhile(ref: String, reason: String)
    case cannotWrite(ref: String, reason: String)
    case newRefExists(String)
    case invalidNewRef(String)
    case reservedNewRef(String)
    case nothingToReplayOnto(ref: String)
    case conflict(commit: CommitSummary, files: [String], ref: String)
    case dirtyWorkingTree(ref: String, files: [String])
    case checkedOutElsewhere(ref: String)

    public var description: String {
        switch self {
        case .unknownRef(let ref):
            return "no ref named \(ref) in this repository, its reflogs or its audit log; git refuge lost lists lost commits"
        case .nothingToRecover(let ref):
            return "nothing to recover: no forced update or deletion of \(ref) in the audit log or its reflog; "
                + "git refuge lost lists lost commits, and --to OID restores one"
        case .unknownEvent(let id):
            return "no event #\(id) in the audit log; git refuge log lists them"
        case .eventOfAnotherRef(let id, let eventRef, let ref):
            return "event #\(id) is an update of \(eventRef), not \(ref); name that ref, or add --as NEWREF"
        case .eventOfAClientPush(let id, let remote):
            return "event #\(id) records a push to \(remote ?? "a remote"), whose branch is not this repository's; "
                + "recover it on the server, or here with --to OID --as NEWREF"
        case .eventCreatedRef(let id, let ref):
            return "event #\(id) created \(ref): there is no earlier value to go back to"
        case .unknownRevision(let text):
            return "'\(text)' names no object in this repository; git refuge lost lists lost commits"
        case .targetMissing(let id, let basis):
            return "\(id.short) (\(basis)) is no longer in this repository's object database; "
                + "try a clone or server that still has it (git refuge lost --all-objects there)"
        case .movedSince(let ref, let expected, let current, let newCommits, let basis):
            let moved = "\(ref) moved since \(basis): it was \(expected?.short ?? "absent"), it is now \(current?.short ?? "absent")"
                + (newCommits.isEmpty ? "" : " (\(newCommits.count) new commit(s), newest \(newCommits[0].id.short) \(newCommits[0].summary))")
            return moved + "; nothing changed. Use --as NEWREF to restore beside it, --replay to re-apply the dropped "
                + "commits on top, or --force to replace it (its value is pinned first)"
        case .movedMeanwhile(let ref, let reason):
            return "\(ref) moved while recovering (\(reason)); nothing changed, run git refuge recover again"
        case .cannotWrite(let ref, let reason):
            return "could not write \(ref) (\(reason)); nothing changed. Check the repository's permissions "
                + "and for a stale .lock file, then run git refuge recover again"
        case .newRefExists(let name):
            return "\(name) already exists; choose another name for --as (recover never overwrites a ref it creates)"
        case .reservedNewRef(let name):
            return "\(name) is under refs/refuge/, where Refuge keeps its pins; choose a branch name for --as (refs/heads/…)"
        case .invalidNewRef(let name):
            return "'\(name)' is not a valid ref name (git check-ref-format)"
        case .nothingToReplayOnto(let ref):
            return "\(ref) does not exist, so there is nothing to replay onto; run without --replay to restore it"
        case .conflict(let commit, let files, let ref):
            return "\(commit.id.short) (\(commit.summary)) does not apply on \(ref): conflict in \(files.joined(separator: ", ")); "
                + "nothing changed. Use --as NEWREF without --replay to get the old branch back beside it, then merge"
        case .dirtyWorkingTree(let ref, let files):
            let shown = files.prefix(5).joined(separator: ", ") + (files.count > 5 ? ", …" : "")
            return "\(ref) is checked out and has uncommitted changes (\(shown)); commit or stash them, or use --as NEWREF"
        case .checkedOutElsewhere(let ref):
            return "\(ref) is checked out in another worktree (git worktree list); run git refuge recover there, or use --as NEWREF"
        }
    }
}
