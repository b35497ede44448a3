import Foundation

public enum Timestamp {
    /// How long ago `date` was, in words: "less than a minute ago", "1 minute ago", "3 hours ago", "2 days ago".
    public static func ago(_ date: Date, now: Date = Date()) -> String {
        let seconds = Int(now.timeIntervalSince(date))
        func count(_ value: Int, _ unit: String) -> String { "\(value) \(unit)\(value == 1 ? "" : "s") ago" }
        switch seconds {
        case ..<60: return "less than a minute ago"
        case ..<3_600: return count(seconds / 60, "minute")
        case ..<172_800: return count(seconds / 3_600, "hour")
        default: return count(seconds / 86_400, "day")
        }
    }

    /// UTC, to the millisecond: `2026-11-22T03:40:12.123Z`.
    public static func iso(_ date: Date) -> String {
        date.formatted(isoStyle)
    }

    // One style for every call: making an ISO8601DateFormatter per date was a tenth of `lost --json`.
    private static let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// UTC, to the second, for tables: `2026-11-22 03:40:12Z`.
    public static func short(_ date: Date) -> String {
        let text = iso(date)
        return String(text.prefix(19)).replacingOccurrences(of: "T", with: " ") + "Z"
    }
}
