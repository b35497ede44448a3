import Foundation

/// Dates as people type them to git: `2026-11-20`, `2026-11-20 14:00`, ISO 8601, `7.days.ago`,
/// `3 hours ago`, `yesterday`, `now`, or a Unix timestamp `@1700000000`.
public enum DateExpression {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "cannot understand the date '\(text)'; use e.g. 2026-11-20, '2026-11-20 14:00', 7.days.ago or yesterday"
        }
    }

    public static func parse(_ text: String, now: Date = Date()) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "now" { return now }
        if trimmed == "yesterday" { return now.addingTimeInterval(-86_400) }
        if trimmed.hasPrefix("@"), let seconds = TimeInterval(trimmed.dropFirst()) {
            return Date(timeIntervalSince1970: seconds)
        }
        if let relative = relative(trimmed, now: now) { return relative }
        if let absolute = absolute(text.trimmingCharacters(in: .whitespaces)) { return absolute }
        throw Invalid(text: text)
    }

    /// An age as git's expiry settings give it: `90.days` or `90.days.ago`, `now`/`all` (now), or a date.
    /// Returns the moment that age ago.
    public static func parseAge(_ text: String, now: Date = Date()) throws -> Date {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "now" || trimmed == "all" { return now }
        if let date = try? parse(trimmed.hasSuffix("ago") ? trimmed : trimmed + ".ago", now: now) { return date }
        return try parse(text, now: now)
    }

    private static let units: [String: TimeInterval] = [
        "second": 1, "minute": 60, "hour": 3_600, "day": 86_400, "week": 604_800,
        "month": 2_592_000, "year": 31_536_000,
    ]

    private static func relative(_ text: String, now: Date) -> Date? {
        let words = text.split(whereSeparator: { $0 == "." || $0 == " " || $0 == "_" })
        guard words.count == 3, words[2] == "ago", let amount = Double(words[0]) else { return nil }
        var unit = String(words[1])
        if unit.hasSuffix("s") { unit.removeLast() }
        guard let seconds = units[unit] else { return nil }
        return now.addingTimeInterval(-amount * seconds)
    }

    private static func absolute(_ text: String) -> Date? {
        let iso = ISO8601DateFormatter()
        for options: ISO8601DateFormatter.Options in [
            [.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime],
        ] {
            iso.formatOptions = options
            if let date = iso.date(from: text) { return date }
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
