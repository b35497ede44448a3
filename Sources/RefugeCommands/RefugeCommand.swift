import ArgumentParser
import Foundation

/// `git refuge`: the root command.
public struct RefugeCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: displayName,
        abstract: "Record every ref update, so that no force push loses anyone's work.",
        discussion: """
            Install the hooks once per repository (git refuge install); from then on every push, every \
            update a server accepts and every local ref change is kept in an audit log, and what a force \
            push, a reset or a deleted branch drops is kept from gc.
            Every command: git refuge help <command>. The manual: git help refuge (man git-refuge), once \
            installed with Scripts/install from Refuge's source, which also installs completion for bash, \
            zsh and fish.
            Examples:
              git refuge install
              git refuge log --forced --since 7.days.ago
              git refuge lost
              git refuge recover main --dry-run
            """,
        subcommands: [
            InstallCommand.self, UninstallCommand.self, StatusCommand.self, LogCommand.self, ShowCommand.self,
            CheckCommand.self, LostCommand.self, RecoverCommand.self, PruneCommand.self, ForgetCommand.self, ReportCommand.self,
            BackfillCommand.self, VerifyCommand.self, DoctorCommand.self, IdentityCommand.self, DrainCommand.self,
            ShipCommand.self, CentralCommand.self,
            PrePushCheckCommand.self, PreReceiveCommand.self, FetchCheckCommand.self, PreRebaseCheckCommand.self,
        ])

    public init() {}

    /// Refuge's version, as `git refuge --version` prints it.
    static let version = "0.2.0"

    // The root's own flag, not `CommandConfiguration.version`: argument-parser lists that one in every
    // subcommand's help too.
    @Flag(help: "Show the version.")
    var version = false

    /// `git refuge` alone prints the help, as `git` alone does, and exits 1 (a command is needed);
    /// `git refuge --version` prints the version.
    public func run() throws {
        if version {
            print("git-refuge version \(Self.version)")
            return
        }
        print(Self.helpMessage())
        throw ExitCode.failure
    }

    /// `git refuge` in usage lines, as people type it; `git-refuge` (the binary's name) where a name must be
    /// one word: the completion scripts' functions and the manual page, which argument-parser names after it.
    static var displayName: String {
        let arguments = CommandLine.arguments
        return arguments.contains("--generate-completion-script") || arguments.contains("--experimental-dump-help")
            ? "git-refuge" : "git refuge"
    }

    /// The entry point. Over a file-size limit (`ulimit -f`), SQLite's write fails with EFBIG and the record
    /// stays in the spool, instead of SIGXFSZ killing the process half-way. `-C PATH` before the command
    /// changes directory first, as git's does (git refuge -C /srv/git/a.git status).
    public static func start() {
        signal(SIGXFSZ, SIG_IGN)
        var arguments = Array(CommandLine.arguments.dropFirst())
        while arguments.first == "-C" {
            guard arguments.count > 1 else { fail("-C needs a directory (git refuge -C PATH <command>)", code: .validationFailure) }
            do { try changeDirectory(to: arguments[1]) } catch { fail("\(error)", code: .failure) }
            arguments.removeFirst(2)
        }
        // `help NAME` for a NAME that is no command would show the overview and succeed.
        if arguments.first == "help", arguments.count > 1, !arguments[1].hasPrefix("-"),
           !configuration.subcommands.contains(where: { $0._commandName == arguments[1] }) {
            fail("no command named '\(arguments[1])' (git refuge help lists the commands)", code: .validationFailure)
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            let code = exitCode(for: error)
            guard code != .success else {  // --help, --version, help
                print(fullMessage(for: error))
                Foundation.exit(code.rawValue)
            }
            // A usage mistake: one line saying what, and where the right usage is.
            fail("\(lowercasingFirst(message(for: error))) (git refuge help lists the commands; git refuge help <command>, its options)",
                 code: code)
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)  // the command said what happened
        } catch {
            let code = exitCode(for: error)
            if code == .success {  // `help <command>` asks for help from its run()
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // A failure outside reportingFailures: one line too, without the usage hint of a parse error.
            fail(code == .validationFailure ? lowercasingFirst(message(for: error)) : "\(error)", code: code)
        }
    }

    private static func fail(_ message: String, code: ExitCode) -> Never {
        printError("error: \(message)")
        Foundation.exit(code.rawValue)
    }

    private static func lowercasingFirst(_ text: String) -> String {
        guard let first = text.first, text.dropFirst().first?.isLowercase ?? true else { return text }
        return first.lowercased() + text.dropFirst()
    }
}

/// The process environment (read each time: a command reads it once or twice).
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
