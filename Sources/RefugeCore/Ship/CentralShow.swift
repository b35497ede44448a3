import Foundation
import PGKit

/// `git refuge show --central`: one event of the fleet, and what it dropped as its source last shipped it.
public struct CentralEventDetail: Sendable {
    public let central: CentralEvent
    /// nil when the source sent nothing of it (not among the newest rewrites of its repository).
    public let dropped: [AuditReport.DroppedState]?
    /// The recoveries (their ids, on the same source) that undid it.
    public let recoveries: [Int64]

    /// Why an event cannot be shown, each saying what to do.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case noSuchEvent(Int64, source: String?)
        case ambiguous(Int64, sources: [String])

        public var description: String {
            switch self {
            case .noSuchEvent(let seq, let source):
                return "no event #\(seq) in the central store\(source.map { " from \($0)" } ?? ""); git refuge log --central lists the events"
            case .ambiguous(let seq, let sources):
                return "event #\(seq) is an event of \(sources.count) sources (ids are each source's): give one with --source "
                    + sources.joined(separator: ", ")
            }
        }
    }

    /// Event `seq` of the source named by `source` (its id, or its host when that has one source).
    public static func load(_ seq: Int64, source: String?, connection: Connection) throws -> CentralEventDetail {
        try CentralSchema.check(connection)
        var query = CentralQuery(EventFilter(repository: nil))
        query.and("e.seq = \(query.parameter(String(seq)))")
        if let source {
            let name = query.parameter(source)
            query.and("(s.id = \(name) OR s.host = \(name))")
        }
        let rows = try connection.execute("SELECT \(CentralQuery.eventColumns) \(query.from) ORDER BY s.host, s.id",
                                          query.parameters, operation: "reading event #\(seq) of the central store")
        let events = try (0..<rows.count).map { try CentralQuery.event(rows, $0) }
        guard let central = events.first else { throw Failure.noSuchEvent(seq, source: source) }
        guard events.count == 1 else { throw Failure.ambiguous(seq, sources: events.map { "\($0.source) (\($0.host))" }) }
        let queries = CentralReportQueries(connection: connection)
        let listed = [(event: central.event, source: central.source)]
        let dropped = central.event.isRewrite ? try queries.dropped(by: listed)[0] : []
        return CentralEventDetail(central: central, dropped: dropped, recoveries: try queries.recoveries(undoing: listed)[0])
    }
}
