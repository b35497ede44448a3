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
            """)

    @Flag(help: "Print nothing (for cron).")
    var quiet = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in <path>.", valueName: "path"))
    var path: String?

    func run() throws {
        try reportingFailures {
            let report = try AuditSession(path: path, environment: environment).drainReport
            guard !quiet else { return }
            report.warnings.forEach { printError("warning: \($0)") }
            print("recorded \(report.recorded) update(s)")
        }
    }
}
