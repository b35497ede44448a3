import ArgumentParser
import Foundation
import RefugeCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show which hooks are installed, where the audit log is, and what waits in the spool.")

    @Flag(help: "Print JSON.")
    var json = false

    @Option(name: .customShort("C"), help: ArgumentHelp("Run as if started in <path>.", valueName: "path"))
    var path: String?

    func run() throws {
        let status = try reportingFailures { try RefugeStatus.gather(path: path, environment: environment) }
        status.drainWarnings.forEach { printError("warning: \($0)") }
        if json {
            print(try JSONOutput.render(StatusJSON(status)))
        } else {
            print(Self.text(status, palette: .forStandardOutput(environment: environment)))
        }
        let healthy = status.hooks.contains { $0.installed } && status.databaseProblem == nil
            && status.hooks.allSatisfy { !$0.installed || ($0.executable && $0.binaryExists != false) }
        if !healthy { throw ExitCode.failure }
    }

    static func text(_ status: RefugeStatus, palette: Palette) -> String {
        var lines = ["repository:  \(status.repository)", "hooks:       \(status.hooksDirectory)"]
        for hook in status.hooks {
            var state: String
            if !hook.installed {
                state = palette.dim("not installed")
            } else if !hook.executable {
                state = palette.red("installed but not executable (chmod +x \(hook.path))")
            } else if hook.binaryExists == false {
                state = palette.red("installed, but its binary \(hook.binary ?? "?") is missing: run git refuge install again")
            } else {
                state = palette.green("installed") + (hook.binary.map { ", runs \($0)" } ?? "")
            }
            if let chained = hook.chained { state += "; chains \(chained)" }
            lines.append("  \(hook.hook.rawValue.padding(toLength: 22, withPad: " ", startingAt: 0))\(state)")
        }
        lines.append("audit log:   \(status.location.databasePath)\(status.location.shared ? " (shared)" : "")")
        if let problem = status.databaseProblem {
            lines.append("  " + palette.red(problem))
        } else if !status.databaseExists {
            lines.append("  not created yet (the first recorded update creates it)")
        } else {
            lines.append("  events:    \(status.eventCount ?? 0) for this repository")
            if let last = status.lastEvent {
                lines.append("  last:      \(EventText(palette: palette).line(last))")
            }
        }
        lines.append("spool:       \(status.spoolWaiting) file(s) waiting in \(status.location.spoolDirectory)")
        return lines.joined(separator: "\n")
    }
}

struct StatusJSON: Encodable {
    let status: RefugeStatus
    init(_ status: RefugeStatus) { self.status = status }

    struct Hook: Encodable {
        let name: String, path: String, installed: Bool, executable: Bool
        let binary: String?, binaryExists: Bool?, chained: String?
        enum CodingKeys: String, CodingKey {
            case name, path, installed, executable, binary, chained
            case binaryExists = "binary_exists"
        }

        func encode(to encoder: any Encoder) throws {  // explicit: nil is printed as null, as in the log
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(path, forKey: .path)
            try container.encode(installed, forKey: .installed)
            try container.encode(executable, forKey: .executable)
            try container.encode(binary, forKey: .binary)
            try container.encode(binaryExists, forKey: .binaryExists)
            try container.encode(chained, forKey: .chained)
        }
    }

    enum Key: String, CodingKey {
        case repository, hooks, database, shared, databaseExists = "database_exists", events
        case lastEvent = "last_event", problem, spoolWaiting = "spool_waiting", hooksDirectory = "hooks_directory"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(status.repository, forKey: .repository)
        try container.encode(status.hooksDirectory, forKey: .hooksDirectory)
        try container.encode(status.hooks.map {
            Hook(name: $0.hook.rawValue, path: $0.path, installed: $0.installed, executable: $0.executable,
                 binary: $0.binary, binaryExists: $0.binaryExists, chained: $0.chained)
        }, forKey: .hooks)
        try container.encode(status.location.databasePath, forKey: .database)
        try container.encode(status.location.shared, forKey: .shared)
        try container.encode(status.databaseExists, forKey: .databaseExists)
        try container.encode(status.eventCount, forKey: .events)
        try container.encode(status.lastEvent.map(EventJSON.init), forKey: .lastEvent)
        try container.encode(status.databaseProblem, forKey: .problem)
        try container.encode(status.spoolWaiting, forKey: .spoolWaiting)
    }
}
