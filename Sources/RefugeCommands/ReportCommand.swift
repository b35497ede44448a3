import ArgumentParser
import Foundation
import RefugeCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "An audit report: who rewrote what, what was dropped, whether it is still lost.",
        discussion: """
            Examples:
              git refuge report --since 30.days.ago
              git refuge report --format html --output refuge-report.html
              git refuge report --format json --repository all
                  every repository of a shared database, broken down
              git refuge report --format csv --ref main > main.csv
              git refuge report --central --since 7.days.ago
                  the fleet's central store, broken down per server and per repository
            """)

    @OptionGroup var repositoryOptions: RepositoryOptions
    @OptionGroup var period: PeriodOptions

    @Option(help: "text, markdown, json, csv (one row per event) or html (one self-contained page).")
    var format: ReportFormat = .text

    @Option(name: [.short, .long], help: ArgumentHelp("Write the report to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Only this ref (full or short name).", valueName: "ref"))
    var ref: String?

    @Option(help: "Only updates by this pusher.")
    var pusher: String?

    @Option(help: ArgumentHelp("For a shared database: one repository (its path), or 'all' for every one, broken down.",
                               valueName: "path|all"))
    var repository: String?

    @Option(help: ArgumentHelp("List at most this many of each: rewrites, refusals, unconfirmed pushes, recoveries "
                               + "(the newest; figures count them all).", valueName: "n"))
    var limit: Int = ReportScope.defaultListLimit

    @OptionGroup var central: CentralOptions

    func validate() throws {
        if limit < 0 { throw ValidationError("--limit must be 0 or more") }
    }

    func run() throws {
        try reportingFailures {
            var scope = ReportScope(
                since: period.since, until: period.until,
                ref: ref, pusher: pusher,
                repositories: repository.map { $0 == "all" ? .all : .named($0) } ?? .current, listLimit: limit)
            let report: AuditReport
            if central.central {
                // The fleet: every server and repository, broken down, unless --repository names one path.
                if scope.repositories == .current { scope.repositories = .all }
                report = try CentralReport.build(scope, connection: central.connect(repositoryOptions), listingEvents: format == .csv)
            } else {
                let session = try repositoryOptions.session(.reading)
                if scope.repositories == .all {
                    // Every repository of a shared log spools into its own git directory: record what
                    // each one's hooks wrote, so that the report covers them all.
                    try SharedLogDrain.drainEveryRepository(of: session.store, environment: environment)
                        .warnings.forEach { printError("warning: \($0)") }
                }
                report = try ReportBuilder(store: session.store, repository: session.repository)
                    .build(scope, listingEvents: format == .csv)
            }
            let text = try ReportRenderer.render(report, as: format)
            if let output {
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
                }
                printError("wrote \(output) (\(format.rawValue), \(report.total.eventCount) event(s))")
            } else {
                // "\r\n" (CSV) is one Character: look at the last scalar.
                print(text, terminator: text.unicodeScalars.last == "\n" ? "" : "\n")
            }
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
