import ArgumentParser
import Foundation
import RefugeCore

struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "List recorded ref updates, oldest first.",
        discussion: """
            Examples:
              git refuge log --forced --since 7.days.ago
              git refuge log --forced --status attempted
                  force pushes that git or the server never confirmed
              git refuge log --ref main --side server --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var period: PeriodOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Only updates seen on this side: client, server or local.")
    var side: Side?

    @Option(help: ArgumentHelp("Only this ref (full or short name, as git accepts it).", valueName: "ref"))
    var ref: String?

    @Option(help: "Only this kind: create, fast-forward, forced or delete.")
    var kind: UpdateKind?

    @Flag(help: ArgumentHelp(
        "Only rewrites: forced updates and deletions of branches, tags and other history that happened "
            + "(not git's bookkeeping: HEAD's detached steps, the stash; not refusals or unconfirmed pushes)."))
    var forced = false

    @Option(help: "Only this status: attempted, confirmed, accepted, done or rejected (with --forced: instead of the ones that happened).")
    var status: EventStatus?

    @Option(help: "Only updates by this pusher.")
    var pusher: String?

    @Option(help: "At most this many updates: the most recent ones.")
    var limit: Int?

    @Flag(help: "Every repository in the database, not only this one.")
    var allRepositories = false

    @OptionGroup var central: CentralOptions

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if forced && kind != nil { throw ValidationError("--forced and --kind cannot be used together") }
    }

    func run() throws {
        if central.central { return try runCentral() }
        let (session, events) = try reportingFailures {
            let session = try repository.session(.reading)
            var filter = EventFilter(repository: allRepositories ? nil : session.repository.auditIdentity)
            filter.side = side
            filter.ref = ref
            filter.rewrites = forced
            filter.kinds = Set(kind.map { [$0] } ?? [])
            filter.statuses = Set(status.map { [$0] } ?? [])
            (filter.since, filter.until) = (period.since, period.until)
            filter.pusher = pusher
            filter.limit = limit
            return (session, try session.store.events(filter))
        }
        if output.json {
            print(EventListJSON.render(events))  // JSONOutput's bytes, written faster (EventListJSON)
        } else {
            let text = EventText(palette: .forStandardOutput(environment: environment))
            let own = OwnWorkMarker(session: session)
            for event in events {
                let line = text.line(event) + (own.marker(for: event).map { "  " + text.palette.bold($0) } ?? "")
                print(allRepositories ? "\(line)  in \(event.repository)" : line)
            }
        }
    }
}

extension LogCommand {
    /// `--central`: the same filters over every source of the central store; each line names its host.
    func runCentral() throws {
        let events = try reportingFailures {
            var filter = EventFilter(repository: nil)
            (filter.side, filter.ref, filter.rewrites, filter.pusher, filter.limit) = (side, ref, forced, pusher, limit)
            filter.kinds = Set(kind.map { [$0] } ?? [])
            filter.statuses = Set(status.map { [$0] } ?? [])
            (filter.since, filter.until) = (period.since, period.until)
            return try CentralLog.events(filter, connection: central.connect(repository))
        }
        if output.json {
            print(EventListJSON.render(events))
        } else {
            let text = EventText(palette: .forStandardOutput(environment: environment))
            for central in events { print("\(text.line(central.event))  in \(central.event.repository) on \(central.host)") }
        }
    }
}

/// `log`'s mark on a fetch's forced update of a remote-tracking ref that dropped commits of yours: the
/// update that did it, when someone force-pushed over your work (DroppedUpstreamWork).
struct OwnWorkMarker {
    let session: AuditSession
    let finder: DroppedUpstreamWork.Finder

    init(session: AuditSession) {
        self.session = session
        finder = DroppedUpstreamWork.Finder(repository: session.repository, store: session.store)
    }

    /// The fetched forced updates of each remote-tracking ref, read once per ref.
    private let moves = Cache()
    private final class Cache { var byRef: [String: [DroppedUpstreamWork.Move]] = [:] }

    func marker(for event: AuditEvent) -> String? {
        guard event.side == .local, event.kind == .forced, event.happened, event.ref.hasPrefix("refs/remotes/"),
              event.repository == session.repository.auditIdentity, let old = event.old, let new = event.new
        else { return nil }
        if moves.byRef[event.ref] == nil {
            moves.byRef[event.ref] = DroppedUpstreamWork.fetchedForcedUpdates(
                of: event.ref, repository: session.repository, store: session.store)
        }
        guard moves.byRef[event.ref]!.contains(where: { $0.old == old && $0.new == new }),
              let work = try? finder.find(trackingRef: event.ref, old: old, new: new, time: event.time, askServer: false)
        else { return nil }
        let ids = work.commits.prefix(3).map(\.commit.id.short).joined(separator: ", ")
        return "<- dropped \(work.commits.count) of yours (\(ids)\(work.commits.count > 3 ? ", …" : ""))"
    }
}

extension Side: ExpressibleByArgument {}
extension UpdateKind: ExpressibleByArgument {}
extension EventStatus: ExpressibleByArgument {}
