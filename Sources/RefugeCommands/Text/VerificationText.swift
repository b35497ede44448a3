import Foundation
import RefugeCore

public struct VerificationText {
    let palette: Palette
    public init(palette: Palette) { self.palette = palette }

    public func text(_ result: ChainVerification) -> String {
        var lines: [String] = []
        if let problem = result.firstBreak {
            lines.append(palette.red("chain broken at event #\(problem.eventID): \(problem.problem)"))
        } else {
            lines.append(palette.green("chain intact: \(result.events) event(s)"))
        }
        if result.integrity != ["ok"] {
            lines.append(palette.red("SQLite integrity check failed: \(result.integrity.prefix(3).joined(separator: "; "))"))
        }
        switch result.anchorFound {
        case true?: lines.append("the log extends the anchor: \(result.rowsAfterAnchor ?? 0) event(s) after it")
        case false?: lines.append(palette.red("the anchor is not in the log: the log was rewritten, or it is another log"))
        case nil: break
        }
        if let central = result.central {
            if let problem = central.problem {
                lines.append(palette.red("not what the central store holds: \(problem)"))
            } else if let seq = central.seq {
                lines.append("the log extends what the central store holds of it (up to event #\(seq))")
            } else {
                lines.append("the central store holds nothing of this log yet (source \(central.source))")
            }
        }
        if let waiting = result.spoolWaiting, waiting > 0 {
            lines.append(palette.yellow("\(waiting) spool file(s) still wait to be recorded (a git process is running, or "
                + "the log cannot be written): the chain does not cover them yet; git refuge status says more"))
        }
        lines.append("head \(result.head)")
        return lines.joined(separator: "\n")
    }

    public func text(_ result: CentralVerification) -> String {
        guard !result.sources.isEmpty else { return "the central store holds no source yet (git refuge ship sends one)" }
        var lines: [String] = []
        for source in result.sources {
            let name = "\(source.host):\(source.databasePath) (source \(source.source))"
            if let problem = source.firstBreak {
                lines.append(palette.red("\(name): chain broken at event #\(problem.eventID): \(problem.problem)"))
            } else {
                lines.append(palette.green("\(name): chain intact, \(source.events) event(s) up to #\(source.lastSeq)")
                    + ", head \(source.head)")
            }
        }
        let broken = result.sources.filter { !$0.intact }.count
        lines.append(broken == 0 ? "\(result.sources.count) source(s), every chain intact"
            : palette.red("\(broken) of \(result.sources.count) source(s) broken"))
        return lines.joined(separator: "\n")
    }
}
