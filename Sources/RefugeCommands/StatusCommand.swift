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
            status --central lists the central store's sources instead: how far each has shipped and \
            when, how long ago, and what the last verify --central found of its chain; run where a \
            shipped log is, it also says how many of its events have not shipped yet.
            Examples:
              git refuge status
              git refuge -C /srv/git/project.git status --json
              git refuge status --central --store 'service=refuge'
              git refuge status --repositories /srv/git
                  which repositories there are covered (exit 1 if one is not)
            """)

    @Option(help: ArgumentHelp("List every bare repository under this directory: covered by Refuge's server hooks or not.",
                               valueName: "root"))
    var repositories: String?

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var central: CentralOptions

    func run() throws {
        if central.central { return try runCentral() }
        if let repositories { return try runRepositories(under: repositories) }
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

    /// `--repositories ROOT`: one line per repository, covered or not, and the count.
    func runRepositories(under root: String) throws {
        let (tree, coverage) = try reportingFailures {
            let tree = try ServerRepositories.find(under: root)
            return (tree, tree.coverage())
        }
        if output.json {
            print(try JSONOutput.render(RepositoriesJSON(root: tree.root, coverage: coverage)))
        } else {
            let palette = Palette.forStandardOutput(environment: environment)
            for entry in coverage {
                let state: String
                if let problem = entry.problem {
                    state = palette.red("unreadable: \(problem)")
                } else if entry.installed.isEmpty {
                    state = palette.red("not covered") + ": Refuge is not installed"
                } else if !entry.missing.isEmpty {
                    state = palette.yellow("partly covered") + ": " + entry.missing.map(\.rawValue).joined(separator: ", ") + " missing"
                } else {
                    state = palette.green("covered") + " (\(entry.layout?.rawValue ?? "?"))"
                }
                print("\(entry.path): \(state)")
            }
            let uncovered = coverage.filter { !$0.covered }.count
            print("\(coverage.count) repositories under \(tree.root): \(coverage.count - uncovered) covered, \(uncovered) not"
                + (uncovered > 0 ? "; git refuge install --server --repositories \(tree.root) covers them" : ""))
        }
        if coverage.contains(where: { !$0.covered }) { throw ExitCode.failure }
    }

    /// `--central`: the sources of the central store, their marks and chain state.
    func runCentral() throws {
        let status = try reportingFailures {
            let connection = try central.connect(repository)
            // The local log, where there is one, for its lag; a command run outside a repository has none.
            let store = try? repository.session(.reading).store
            return try CentralStatus.read(connection, local: store)
        }
        if output.json {
            print(try JSONOutput.render(CentralStatusJSON(status)))
        } else {
            print(StatusText(palette: .forStandardOutput(environment: environment)).text(status))
        }
        if status.sources.contains(where: { $0.chainProblem != nil }) { throw ExitCode.failure }
    }
}
