import RefugeCore

/// `git refuge status` in words.
struct StatusText {
    let palette: Palette

    func text(_ status: RefugeStatus) -> String {
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
        lines.append("config:")
        for line in status.configuration.summary { lines.append("  \(line)") }
        for problem in status.configuration.problems { lines.append("  " + palette.yellow(problem)) }
        return lines.joined(separator: "\n")
    }
}
