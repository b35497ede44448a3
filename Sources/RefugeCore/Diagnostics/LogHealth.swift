import Foundation

/// A marker in the spool saying that the last attempt to write the audit log failed, and why. The
/// hook shims test for it (a builtin `[ -e ]`, no process) and print one warning line per push, so that
/// people learn the log is stuck while their updates wait safely in the spool.
public enum LogHealth {
    public static let markerName = "log-unwritable"

    public static func markerPath(spoolDirectory: String) -> String { "\(spoolDirectory)/\(markerName)" }

    /// Records why the log could not be written (first line of `reason`), if the spool exists.
    public static func markUnwritable(spoolDirectory: String, reason: String) {
        guard FileManager.default.fileExists(atPath: spoolDirectory) else { return }
        let line = (reason.split(separator: "\n").first.map(String.init) ?? reason) + "\n"
        try? line.write(toFile: markerPath(spoolDirectory: spoolDirectory), atomically: true, encoding: .utf8)
    }

    public static func markWritable(spoolDirectory: String) {
        try? FileManager.default.removeItem(atPath: markerPath(spoolDirectory: spoolDirectory))
    }

    /// Why the last write failed, if it did.
    public static func lastFailure(spoolDirectory: String) -> String? {
        (try? String(contentsOfFile: markerPath(spoolDirectory: spoolDirectory), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
