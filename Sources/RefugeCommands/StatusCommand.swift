import ArgumentParser
import Foundation
import RefugeCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the hooks, the audit log, the spool and the configuration in effect.",
        discussion: """
            Records what waits in the spool first, as every command does. Exit status 1, with the reason \
            on one line, when something is broken: the rule git refuge doctor applies, which also reads \
            the whole log.
            Examples:
              git refuge status
              git refuge -C /srv/git/project.git status --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let status = try reportingFailures { try RefugeStatus.gather(repository.repository(), environment: environment) }
        status.drainWarnings.forEach { printError("warning: \($0)") }
        if output.json {
            print(try JSONOutput.render(StatusJSON(status)))
        } else {
            print(StatusText(palette: .forStandardOutput(environment: environment)).text(status))
        }
        if let problem = status.problem {
            printError("error: \(problem)")
            throw ExitCode.failure
        }
    }
}
