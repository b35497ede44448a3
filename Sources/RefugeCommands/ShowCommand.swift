import ArgumentParser
import RefugeCore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one recorded update and the commits it dropped.",
        discussion: """
            Each commit the update dropped is shown with where it is now: still lost, kept by a pin, \
            reachable again, rewritten (a copy with the same patch is on the branch) or recovered.
            Examples:
              git refuge show 12
              git refuge show '#12' --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The event id: the number git refuge log prints before each update (12 or #12).", valueName: "event"),
              transform: EventID.init(parsing:))
    var event: EventID

    func run() throws {
        let detail = try reportingFailures {
            let session = try repository.session(.reading)
            guard let detail = try session.detail(of: event.number) else {
                throw CommandFailure("no event #\(event.number) in \(session.store.location.databasePath); git refuge log lists the events")
            }
            return detail
        }
        if output.json {
            print(try JSONOutput.render(EventDetailJSON(detail)))
        } else {
            print(EventText(palette: .forStandardOutput(environment: environment)).detail(detail))
        }
    }
}

/// An event id as `log` prints it (`#12`) or as a number (`12`), parsed at the edge.
struct EventID {
    let number: Int64

    struct Invalid: Error, CustomStringConvertible {
        let text: String
        var description: String {
            "an event id is the number git refuge log prints before each update (#12, or 12), not '\(text)'"
        }
    }

    init(parsing text: String) throws {
        guard let number = Int64(text.hasPrefix("#") ? String(text.dropFirst()) : text), number > 0 else { throw Invalid(text: text) }
        self.number = number
    }
}
