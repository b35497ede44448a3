import ArgumentParser
import Foundation
import PGKit
import RefugeCore

struct ShipCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Ship the audit log into the fleet's central PostgreSQL store, exactly once.",
        discussion: """
            Sends every sealed event the central store does not have yet, in batches, each in one \
            transaction with the store's mark for this log; a batch sent again changes nothing, and a \
            local log whose rows no longer chain from what the store holds is refused. Never on the push \
            path: run it by hand, from cron or a timer (Docs/Fleet.md). The destination is --to, else \
            git config refuge.central: a libpq connection string or URI (service=, .pgpass, sslmode and \
            PG* variables work as for psql).
            Examples:
              git refuge central init --to 'host=db.example dbname=refuge'
              git config refuge.central 'service=refuge'
              git refuge -C /srv/git/app.git ship
              git refuge ship --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The central store: a libpq connection string or URI (default: refuge.central).", valueName: "conninfo"))
    var to: String?

    @Option(help: "Events per transaction.")
    var batch = 5_000

    @Flag(help: "This log is a copy of one the central store knows from elsewhere: give it a source id of its own first.")
    var newSource = false

    @Flag(help: "This log was shipped from another host or path and moved here: record where it is now.")
    var moved = false

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if newSource && moved { throw ValidationError("--new-source and --moved cannot be used together") }
    }

    func run() throws {
        let outcome = try reportingFailures {
            let session = try repository.session(.recording)
            let conninfo = try CentralDestination.conninfo(given: to, repository: session.repository)
            let connection = try CentralDestination.connect(conninfo)
            if newSource { _ = try session.store.renewSourceID() }
            return try Shipper(store: session.store, connection: connection).ship(batch: batch, relocation: moved ? .moved : .refuse)
        }
        if output.json {
            print(try JSONOutput.render(ShipJSON(outcome)))
        } else {
            print("shipped \(outcome.shipped) event(s) of source \(outcome.source); the central store has it up to #\(outcome.lastSeq)")
        }
    }
}

struct CentralCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "central",
        abstract: "Set up the fleet's central PostgreSQL store.",
        discussion: """
            init creates the central schema, or brings it up to date; running it again is harmless. Run it \
            as a role that may create tables; ship needs less (Docs/Fleet.md).
            Examples:
              git refuge central init --to postgresql://admin@db.example/refuge
              git refuge central init
            """,
        subcommands: [CentralInitCommand.self])
}

struct CentralInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or update the central store's schema.",
        discussion: """
            Examples:
              git refuge central init --to 'host=/run/postgresql dbname=refuge'
            """)

    @OptionGroup var repository: RepositoryOptions

    @Option(help: ArgumentHelp("The central store: a libpq connection string or URI (default: refuge.central).", valueName: "conninfo"))
    var to: String?

    func run() throws {
        try reportingFailures {
            let conninfo = try CentralDestination.conninfo(given: to, repository: to == nil ? repository.repository() : nil)
            let applied = try CentralSchema.migrate(CentralDestination.connect(conninfo))
            print(applied.isEmpty ? "the central store is up to date" : applied.map { "applied \($0)" }.joined(separator: "\n"))
        }
    }
}
