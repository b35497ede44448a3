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
              git refuge ship --all-repositories --watch 60
                  a server-wide log, shipped every minute (a systemd service)
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The central store: a libpq connection string or URI (default: refuge.central).", valueName: "conninfo"))
    var to: String?

    @Option(help: "Events per transaction.")
    var batch = 5_000

    @Flag(help: "The log is shared by several repositories (refuge.database): record what each one's hooks spooled, and ship it whole.")
    var allRepositories = false

    @Option(help: ArgumentHelp("Keep shipping: again every <seconds> (for a systemd service); a failed round is one line, and the next one continues.",
                               valueName: "seconds"))
    var watch: Int?

    @Flag(help: "This log is a copy of one the central store knows from elsewhere: give it a source id of its own first.")
    var newSource = false

    @Flag(help: "This log was shipped from another host or path and moved here: record where it is now.")
    var moved = false

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if newSource && moved { throw ValidationError("--new-source and --moved cannot be used together") }
        if let watch, watch < 1 { throw ValidationError("--watch takes a number of seconds, at least 1") }
        if watch != nil && (newSource || moved) { throw ValidationError("--new-source and --moved are for one ship, not --watch") }
    }

    func run() throws {
        let session = try reportingFailures { try repository.session(.recording) }
        let conninfo = try reportingFailures {
            if allRepositories {
                // Every repository of the log drained first: each one's hooks spool into its own git directory.
                try SharedLogDrain.drainEveryRepository(of: session.store, environment: environment).warnings
                    .forEach { printError("warning: \($0)") }
            }
            let repositories = try session.store.repositoryCount()
            if repositories > 1 && !allRepositories {
                throw CommandFailure("this log (\(session.store.location.databasePath)) holds the events of \(repositories) repositories "
                    + "and ships whole (its chain spans them): git refuge ship --all-repositories")
            }
            return try CentralDestination.conninfo(given: to, repository: session.repository)
        }
        guard let watch else { return try report(reportingFailures { try shipOnce(session, conninfo) }) }
        // Each round connects afresh (a store restarted meanwhile is simply there again) and ends in a
        // committed mark: stopping the service at any moment loses nothing and ships nothing twice.
        while true {
            do {
                let outcome = try shipOnce(session, conninfo)
                if outcome.shipped > 0 || output.json { try report(outcome) }
            } catch {
                printError("error: \(error)")
            }
            fflush(nil)  // every stream: a service's output is a pipe to the journal
            sleep(UInt32(watch))
        }
    }

    private func shipOnce(_ session: AuditSession, _ conninfo: String) throws -> Shipper.Outcome {
        let connection = try CentralDestination.connect(conninfo)
        if newSource { _ = try session.store.renewSourceID() }
        // refuge.host: the name this server ships as, where the host name is not a lasting one (a container's).
        let host = try session.repository.configString("refuge.host").flatMap { $0.isEmpty ? nil : $0 } ?? ProcessInfo.processInfo.hostName
        return try Shipper(store: session.store, connection: connection, host: host).ship(batch: batch, relocation: moved ? .moved : .refuse)
    }

    private func report(_ outcome: Shipper.Outcome) throws {
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
            as a role that may create tables. grant gives a role what ship needs (register and advance \
            its own sources, insert their events, never change one) or what reading needs (Docs/Fleet.md).
            Examples:
              git refuge central init --to postgresql://admin@db.example/refuge
              git refuge central grant ship git1 --to postgresql://admin@db.example/refuge
              git refuge central grant read auditor
            """,
        subcommands: [CentralInitCommand.self, CentralGrantCommand.self])
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

struct CentralGrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Give a PostgreSQL role what shipping, or reading, the central store needs.",
        discussion: """
            ship: register sources and advance only the ones it registered, insert their events; no \
            update or delete of any event (row-level security and grants enforce it). read: every \
            --central command. The role itself is the administrator's: CREATE ROLE git1 LOGIN PASSWORD …
            Examples:
              git refuge central grant ship git1 --to 'host=db.example dbname=refuge user=admin'
              git refuge central grant read auditor
            """)

    @OptionGroup var repository: RepositoryOptions

    @Argument(help: "ship or read.")
    var privileges: CentralSchema.Role

    @Argument(help: "The PostgreSQL role to grant them to.")
    var role: String

    @Option(help: ArgumentHelp("The central store: a libpq connection string or URI (default: refuge.central).", valueName: "conninfo"))
    var to: String?

    func run() throws {
        try reportingFailures {
            let conninfo = try CentralDestination.conninfo(given: to, repository: to == nil ? repository.repository() : nil)
            try CentralSchema.grant(privileges, to: role, CentralDestination.connect(conninfo))
            print("granted \(privileges.rawValue) to \(role)")
        }
    }
}

extension CentralSchema.Role: ExpressibleByArgument {}
