import ArgumentParser
import Foundation

/// `git refuge`: the root command.
public struct RefugeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "git-refuge",
        abstract: "Record every ref update, so that no force push loses anyone's work.",
        discussion: """
            Install the hooks once per repository (git refuge install); from then on every push, every \
            update a server accepts and every local ref change is kept in an audit log. See Docs/ for details.
            """,
        version: "0.1.0",
        subcommands: [
            InstallCommand.self, UninstallCommand.self, StatusCommand.self, LogCommand.self, ShowCommand.self,
            CheckCommand.self, LostCommand.self, RecoverCommand.self, PruneCommand.self, ForgetCommand.self, ReportCommand.self,
            BackfillCommand.self, VerifyCommand.self, DoctorCommand.self, IdentityCommand.self, DrainCommand.self,
            PrePushCheckCommand.self, PreReceiveCommand.self,
        ])

    public init() {}

    /// The entry point: over a file-size limit (`ulimit -f`), SQLite's write fails with EFBIG and the
    /// record stays in the spool, instead of SIGXFSZ killing the process half-way.
    public static func start() {
        signal(SIGXFSZ, SIG_IGN)
        main()
    }
}

/// The process environment, read once per command.
var environment: [String: String] { ProcessInfo.processInfo.environment }

/// Prints one line on stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A failure the user can act on: printed as `error: …` with exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs library code, turning its errors into a one-line `error:` message and exit status 1.
func reportingFailures<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}
