import ArgumentParser
import RefugeCore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one recorded update and the commits it dropped.",
        discussion: """
            Each commit the update dropped is shown with where it is now: still lost, kept by a pin, \
            reachable again, rewritten (a copy with the same patch is on the branch) or recovered.
            show --central reads the fleet's central store: the event, and what it dropped as its server \
            saw it at its last ship (the central store holds events, not commits). Ids are each source's: \
            --source names the source (its id, or its host) when several have the event.
            Examples:
              git refuge show 12
              git refuge show '#12' --json
              git refuge show --central --source git1.example 12
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("The event id: the number git refuge log prints before each update (12 or #12).", valueName: "event"),
              transform: EventID.init(parsing:))
    var event: EventID

    @OptionGroup var central: CentralOptions

    @Option(help: ArgumentHelp("With --central: the source the event is from, by its id or its host.", valueName: "source"))
    var source: String?

    func validate() throws {
        if source != nil && !central.central { throw ValidationError("--source names a source of the central store: use it with --central") }
    }

    func run() throws {
        if central.central {
            let detail = try reportingFailures {
                try CentralEventDetail.load(event.number, source: source, connection: central.connect(repository))
            }
            if output.json {
                print(try JSONOutput.render(CentralEventDetailJSON(detail)))
            } else {
                print(EventText(palette: .forStandardOutput(environment: environment)).detail(detail))
            }
            return
        }
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
