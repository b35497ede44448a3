import Foundation
import RefugeCore

/// `git refuge status` in words.
struct StatusText {
    let palette: Palette

    func text(_ status: RefugeStatus) -> String {
        var lines = ["repository:  \(status.repository)", "hooks:       \(status.hooksDirectory)"]
        if let layout = status.layout { lines.append("layout:      \(layout.layout.rawValue) (\(layout.reason))") }
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

    func text(_ status: CentralStatus, now: Date = Date()) -> String {
        var lines: [String] = []
        if status.sources.isEmpty { lines.append("the central store holds no source yet (git refuge ship sends one)") }
        for source in status.sources {
            lines.append("\(source.host):\(source.databasePath)")
            lines.append("  source:    \(source.source) (shipped by \(source.shipper))")
            if let shipped = source.lastShippedAt {
                lines.append("  shipped:   up to #\(source.lastSeq) at \(Timestamp.short(shipped)) (\(Self.age(now.timeIntervalSince(shipped))) ago)")
            } else {
                lines.append("  shipped:   nothing yet")
            }
            if let problem = source.chainProblem {
                lines.append("  chain:     " + palette.red("broken at \(problem)"))
            } else if let seq = source.verifiedSeq, let at = source.verifiedAt {
                lines.append("  chain:     " + palette.green("intact up to #\(seq)") + ", verified \(Timestamp.short(at))")
            } else {
                lines.append("  chain:     " + palette.dim("not verified yet (git refuge verify --central)"))
            }
        }
        if let local = status.local {
            lines.append("this log:    source \(local.source), \(local.head) event(s), "
                + (local.unshipped == 0 ? "all shipped" : palette.yellow("\(local.unshipped) not shipped yet (git refuge ship)")))
        }
        return lines.joined(separator: "\n")
    }

    /// A duration as people say it: 40s, 12m, 3h, 5d.
    static func age(_ seconds: TimeInterval) -> String {
        let value = max(0, Int(seconds))
        switch value {
        case ..<60: return "\(value)s"
        case ..<3_600: return "\(value / 60)m"
        case ..<86_400: return "\(value / 3_600)h"
        default: return "\(value / 86_400)d"
        }
    }
}
