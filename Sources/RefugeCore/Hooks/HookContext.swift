import Foundation
import GitKit

/// Everything a hook run needs from its surroundings, gathered once.
public struct HookContext {
    public let repository: Repository
    public let location: AuditLocation
    public let environment: [String: String]
    /// The git process that ran the hook (the shim `exec`s Refuge, so it is our parent).
    public let gitProcessID: Int64
    public let now: Date

    public init(repository: Repository, environment: [String: String], gitProcessID: Int64 = Int64(getppid()), now: Date = Date()) throws {
        self.repository = repository
        self.environment = environment
        self.location = try AuditLocation.resolve(for: repository, environment: environment)
        self.gitProcessID = gitProcessID
        self.now = now
    }
}

/// The outcome of a hook run, for the command to print: never a failure that stops git.
public struct HookOutcome: Sendable {
    public var recorded: [AuditEvent] = []
    /// Where events went when the database could not take them (they are written by a later run).
    public var parkedAt: String?
    /// One line each, for stderr.
    public var warnings: [String] = []
}

enum HookRecording {
    /// Drains the spool, then appends `events`; if the database cannot take them, parks them in the
    /// spool and says so in one warning line. Never throws: a hook must not break git.
    /// - Parameter gitProcessFinished: the git process has made all its ref updates (post-receive):
    ///   drain its reference-transaction lines now, so its own writes are matched to `events` at once.
    static func save(_ events: [AuditEvent], context: HookContext, gitProcessFinished: Bool = false,
                     outcome: inout HookOutcome) {
        guard !events.isEmpty else { return }
        do {
            let store = try AuditStore(location: context.location)
            let drain = SpoolDrain(repository: context.repository, store: store)
            var warnings = drain.drain().warnings
            outcome.recorded = try store.append(events)
            if gitProcessFinished { warnings += drain.drain(finishedProcess: context.gitProcessID).warnings }
            outcome.warnings += warnings.prefix(3).map { "refuge: warning: \($0)" }
        } catch {
            do {
                outcome.parkedAt = try PendingSpool.park(events, in: context.location.spoolDirectory)
                outcome.warnings.append(
                    "refuge: warning: \(error); \(events.count) update(s) kept in \(outcome.parkedAt!) for later (git refuge status)")
            } catch let parkError {
                outcome.warnings.append(
                    "refuge: warning: \(error), and cannot keep the record either (\(parkError)); this push is not in the audit log")
            }
        }
    }
}
