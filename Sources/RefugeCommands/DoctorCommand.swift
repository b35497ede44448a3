import ArgumentParser
import Foundation
import RefugeCore

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Explain Refuge's state here (hooks, audit log, spool) and how to repair what is wrong.",
        discussion: "Reads only: it drains nothing and opens the log read-only. Exit status 1 when something is broken.")

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let doctor = try reportingFailures { try Doctor.examine(path: nil, environment: environment) }
        if json {
            print(try JSONOutput.render(DoctorJSON(doctor)))
        } else {
            let palette = Palette.forStandardOutput(environment: environment)
            print("repository \(doctor.repository)")
            for finding in doctor.findings {
                let mark: String
                switch finding.severity {
                case .ok: mark = palette.green("ok     ")
                case .note: mark = "note   "
                case .warning: mark = palette.yellow("warning")
                case .error: mark = palette.red("error  ")
                }
                print("\(mark) \(finding.area): \(finding.what)")
                if let fix = finding.fix, finding.severity != .ok { print("        fix: \(fix)") }
            }
        }
        if !doctor.healthy { throw ExitCode.failure }
    }
}

struct DoctorJSON: Encodable {
    let doctor: Doctor
    init(_ doctor: Doctor) { self.doctor = doctor }
    struct Finding: Encodable { let severity: String, area: String, what: String, fix: String? 
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(severity, forKey: .severity)
            try container.encode(area, forKey: .area)
            try container.encode(what, forKey: .what)
            try container.encode(fix, forKey: .fix)
        }
        enum CodingKeys: String, CodingKey { case severity, area, what, fix }
    }
    enum Key: String, CodingKey { case repository, healthy, findings }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(doctor.repository, forKey: .repository)
        try container.encode(doctor.healthy, forKey: .healthy)
        try container.encode(doctor.findings.map {
            Finding(severity: $0.severity.rawValue, area: $0.area, what: $0.what, fix: $0.fix)
        }, forKey: .findings)
    }
}
