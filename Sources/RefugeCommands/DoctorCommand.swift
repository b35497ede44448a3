import ArgumentParser
import Foundation
import RefugeCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain Refuge's state here (hooks, audit log, spool, configuration) and how to repair what is wrong.",
        discussion: """
            Reads only: it drains nothing and opens the log read-only. It runs status's checks and reads \
            the whole log too (the hash chain, SQLite's integrity check). Exit status 1 when something is \
            broken: the same rule as git refuge status.
            Examples:
              git refuge doctor
              git refuge doctor --json
            """)

    @OptionGroup var repository: RepositoryOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let doctor = try reportingFailures { try Doctor.examine(repository.repository(), environment: environment) }
        if output.json {
            print(try JSONOutput.render(DoctorJSON(doctor)))
        } else {
            print(DoctorText(palette: .forStandardOutput(environment: environment)).text(doctor))
        }
        if !doctor.healthy { throw ExitCode.failure }
    }
}
