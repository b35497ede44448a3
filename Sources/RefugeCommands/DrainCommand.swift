import ArgumentParser
import RefugeCore

struct DrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Write what hooks left in the spool into the audit log now.",
        discussion: """
            Every git refuge command but install and uninstall does this first, so you rarely need it; \
            a server can run it from cron to keep its log current. \
            Files of git processes still running are left for later.
            Examples:
              git refuge drain
              git refuge -C /srv/git/project.git drain --quiet     (from cron)
            """)

    @OptionGroup var repository: RepositoryOptions

    @Flag(help: "Print nothing (for cron).")
    var quiet = false

    func run() throws {
        try reportingFailures {
            let report = try AuditSession(repository: repository.repository(), environment: environment).drainReport
            guard !quiet else { return }
            report.warnings.forEach { printError("warning: \($0)") }
            print("recorded \(report.recorded) update(s)")
        }
    }
}
