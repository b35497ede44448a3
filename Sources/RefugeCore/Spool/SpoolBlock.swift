import Foundation

/// One block of a spool file, the unit every hook appends in one write (Docs/Hooks.md, "The spool"):
///
///     <kind> <uptime>        the header: a letter, and /proc/uptime when it was written (`-` without one)
///     =<key> <value>         metadata, any number (`=env GL_USER=alice`, `=hook post-checkout`)
///     <line>                 the hook's input, as git passed it
///     .                      the end: a block without it was interrupted
///
/// The one type that reads and writes the format in Swift: the shims write it in sh (Hooks/),
/// `pre-receive` through `render()`, and the drain reads every block through `SpoolFile`.
struct SpoolBlock {
    enum Kind: Character, CaseIterable {
        /// reference-transaction "prepared": the values refs held where git passed a zero old id.
        case prepared = "P"
        /// reference-transaction "committed" (and post-checkout): `<old> <new> <ref>` as git passed them.
        case committed = "C"
        /// pre-push: what a clone is about to push.
        case push = "S"
        /// post-receive: what a server accepted.
        case accepted = "A"
        /// pre-receive: what a server's policy refused.
        case rejected = "R"
    }

    /// A block's `=key value` lines, in order, with their line numbers in the file (0 when written here).
    struct Metadata {
        var entries: [(key: String, value: String, line: Int)] = []
        func first(_ key: String) -> String? { entries.first { $0.key == key }?.value }
        func all(_ key: String) -> [String] { entries.filter { $0.key == key }.map(\.value) }
        mutating func append(_ key: String, _ value: String, line: Int = 0) { entries.append((key, value, line)) }
    }

    /// A line of the hook's input, with its line number in the file (0 in a block being written).
    struct Line {
        let number: Int
        let text: Substring
    }

    var kind: Kind
    var uptime: Double?
    var metadata = Metadata()
    var lines: [Line] = []
    /// The header's line number in its file (0 for a block being written).
    var firstLine = 0

    init(kind: Kind, uptime: Double?, metadata: Metadata = Metadata(), lines: [String] = []) {
        self.kind = kind
        self.uptime = uptime
        self.metadata = metadata
        self.lines = lines.map { Line(number: 0, text: Substring($0)) }
    }

    /// The block as the spool holds it, metadata first. No value may contain a newline: callers leave
    /// such a value out (a pusher's name from the environment, say), as the shims do.
    func render() -> String {
        var text = "\(kind.rawValue) \(uptime.map { String(format: "%.2f", $0) } ?? "-")\n"
        for (key, value, _) in metadata.entries { text += "=\(key) \(value)\n" }
        for line in lines { text += "\(line.text)\n" }
        return text + ".\n"
    }

    /// `<letter> <uptime>`: a block's first line, or nil when `line` is not one.
    static func header(_ line: Substring) -> (kind: Kind, uptime: Double?)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 1, let kind = parts[0].first.flatMap(Kind.init(rawValue:)),
              parts[1] == "-" || Double(parts[1]) != nil
        else { return nil }
        return (kind, Double(parts[1]))
    }

    /// A `=key value` line's parts, or nil for an input line.
    static func metadataEntry(_ line: Substring) -> (key: String, value: String)? {
        guard line.hasPrefix("=") else { return nil }
        let entry = line.dropFirst()
        let key = entry.prefix { $0 != " " }
        return (String(key), String(entry.dropFirst(key.count + 1)))
    }
}
