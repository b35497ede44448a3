import ArgumentParser
import Foundation
import GitKit
import PGKit
import RefugeCore

/// `-C PATH`, on every command that works on a repository, as git has it: run as if started in PATH.
/// `git refuge -C PATH <command>` does the same before the command (RefugeCommand.start).
struct RepositoryOptions: ParsableArguments {
    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if git refuge was started in <path> (as git -C).", valueName: "path"))
    var directory: String?

    /// The repository the command works on: the one git's environment and the current directory name.
    func repository() throws -> Repository {
        if let directory { try changeDirectory(to: directory) }
        return try Repository.discover(fromEnvironment: true)
    }

    /// The repository and its audit log, the spool drained first; what the drain could not record is
    /// printed as warnings.
    func session(_ access: AuditSession.Access) throws -> AuditSession {
        let session = try AuditSession(repository: repository(), environment: environment, access: access)
        session.drainReport.warnings.forEach { printError("warning: \($0)") }
        if session.nothingRecorded {
            printError("note: Refuge is not installed here, so only git's own records were read (git refuge install starts recording)")
        }
        return session
    }
}

/// Changes the working directory as `git -C` does, or fails with git's words.
func changeDirectory(to path: String) throws {
    guard chdir(path) == 0 else {
        throw CommandFailure("cannot change to '\(path)': \(String(cString: strerror(errno)))")
    }
}

/// `--since` and `--until`, taking what git's approxidate takes for the common cases.
struct PeriodOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only updates at or after this date (2026-11-20, 7.days.ago, yesterday…).", valueName: "date"),
            transform: { try DateExpression.parse($0) })
    var since: Date?

    @Option(help: ArgumentHelp("Only updates at or before this date.", valueName: "date"),
            transform: { try DateExpression.parse($0) })
    var until: Date?

    func validate() throws {
        if let since, let until, since > until { throw ValidationError("--since is after --until: the period is empty") }
    }
}

/// `--json`: the machine-readable form (its keys are in Docs/Schema.md and do not change).
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of text (keys in Docs/Schema.md).")
    var json = false
}

/// `--central [--store CONNINFO]`: read the fleet's central store instead of the local log.
struct CentralOptions: ParsableArguments {
    @Flag(help: "Read the fleet's central store (refuge.central, or --store) instead of this log: every source's events.")
    var central = false

    @Option(help: ArgumentHelp("With --central: the central store, a libpq connection string (default: refuge.central).", valueName: "conninfo"))
    var store: String?

    func validate() throws {
        if store != nil && !central { throw ValidationError("--store names the central store: use it with --central") }
    }

    /// A connection to the central store: --store, else refuge.central of the repository.
    func connect(_ repository: RepositoryOptions) throws -> PGKit.Connection {
        let conninfo = try CentralDestination.conninfo(given: store, repository: store == nil ? repository.repository() : nil)
        return try CentralDestination.connect(conninfo)
    }
}
