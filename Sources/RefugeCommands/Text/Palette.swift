import Foundation

/// Whether to color output: only on a terminal, never with `NO_COLOR` set (no-color.org) or `TERM=dumb`.
public struct Palette: Sendable {
    public let enabled: Bool

    public init(enabled: Bool) {
        self.enabled = enabled
    }

    public static func forStandardOutput(environment: [String: String]) -> Palette {
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        return Palette(enabled: isatty(STDOUT_FILENO) == 1 && !noColor && environment["TERM"] != "dumb")
    }

    public func red(_ text: String) -> String { paint(text, "31") }
    public func green(_ text: String) -> String { paint(text, "32") }
    public func yellow(_ text: String) -> String { paint(text, "33") }
    public func dim(_ text: String) -> String { paint(text, "2") }
    public func bold(_ text: String) -> String { paint(text, "1") }

    private func paint(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
