import ArgumentParser
import RefugeCore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one recorded update and the commits it dropped.")

    @Argument(help: "The event id, as git refuge log prints it (#12 or 12).")
    var id: String

    @Flag(help: "Print JSON (the log's names plus dropped_commits).")
    var json = false

    func run() throws {
        guard let number = Int64(id.hasPrefix("#") ? String(id.dropFirst()) : id), number > 0 else {
            throw ValidationError("'\(id)' is not an event id; git refuge log lists them")
        }
        try reportingFailures {
            let session = try AuditSession(path: nil, environment: environment)
            session.drainReport.warnings.forEach { printError("warning: \($0)") }
            guard let detail = try session.detail(of: number) else {
                throw CommandFailure("no event #\(number) in \(session.store.location.databasePath); git refuge log lists the events")
            }
            if json {
                print(try JSONOutput.render(EventDetailJSON(detail)))
            } else {
                print(EventText(palette: .forStandardOutput(environment: environment)).detail(detail))
            }
        }
    }
}
