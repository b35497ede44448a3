import RefugeCore

/// `git refuge doctor` in words: one line per finding, its fix below it.
struct DoctorText {
    let palette: Palette

    func text(_ doctor: Doctor) -> String {
        var lines = ["repository \(doctor.repository)"]
        for finding in doctor.findings {
            let mark: String
            switch finding.severity {
            case .ok: mark = palette.green("ok     ")
            case .note: mark = "note   "
            case .warning: mark = palette.yellow("warning")
            case .error: mark = palette.red("error  ")
            }
            lines.append("\(mark) \(finding.area): \(finding.what)")
            if let fix = finding.fix, finding.severity != .ok { lines.append("        fix: \(fix)") }
        }
        return lines.joined(separator: "\n")
    }
}
