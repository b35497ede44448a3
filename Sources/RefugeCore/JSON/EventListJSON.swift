import Foundation

/// `log --json` and `log --central --json`: a list of events, written by hand. `log` prints thousands of
/// events, and Foundation's `JSONEncoder` spent two thirds of `log --central`'s CPU on them (Docs/Fleet.md,
/// "Measured"). The bytes are exactly `JSONOutput.render` of `EventJSON` and `CentralEventJSON` (pretty,
/// keys sorted, slashes as they are): a test compares the two on events holding every kind of value, so
/// the schema (Docs/Schema.md) has one definition, the Encodable types, and this is only a faster pen.
public enum EventListJSON {
    public static func render(_ events: [AuditEvent]) -> String {
        render(events.count) { writer, index in writer.event(events[index], source: nil, host: nil) }
    }

    public static func render(_ events: [CentralEvent]) -> String {
        render(events.count) { writer, index in
            writer.event(events[index].event, source: events[index].source, host: events[index].host)
        }
    }

    private static func render(_ count: Int, _ write: (inout PrettyJSONWriter, Int) -> Void) -> String {
        var writer = PrettyJSONWriter()
        writer.bytes.reserveCapacity(count * 900)
        writer.raw("[")
        for index in 0..<count {
            writer.raw(index == 0 ? "\n  {" : ",\n  {")
            write(&writer, index)
            writer.raw("\n  }")
        }
        writer.raw(count == 0 ? "\n\n]" : "\n]")
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

/// JSONOutput's layout, for the values an event holds: two spaces a level, `"key" : value`.
struct PrettyJSONWriter {
    var bytes: [UInt8] = []
    private var first = true

    /// An event's keys, one level in (an element of the top-level list), in the order sorted keys give.
    mutating func event(_ event: AuditEvent, source: String?, host: String?) {
        first = true
        key("address"); string(event.address)
        key("batch"); string(event.batch)
        key("dropped"); integer(event.dropped.map(Int64.init))
        key("hook"); string(event.source.rawValue)
        if let host { key("host"); string(host) }
        key("id"); integer(event.id)
        key("kind"); string(event.kind.rawValue)
        key("local_ref"); string(event.localRef)
        key("new"); string(event.new?.hex)
        key("old"); string(event.old?.hex)
        key("push_options"); strings(event.pushOptions)
        key("pusher"); string(event.pusher)
        key("reason"); string(event.reason)
        key("ref"); string(event.ref)
        key("remote"); string(event.remote)
        key("repository"); string(event.repository)
        key("side"); string(event.side.rawValue)
        if let source { key("source"); string(source) }
        key("status"); string(event.status.rawValue)
        key("time"); string(Timestamp.iso(event.time))
        key("undoes"); integer(event.undoes)
        key("url"); string(event.url)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes += $0 }
    }

    private mutating func key(_ name: StaticString) {
        raw(first ? "\n    \"" : ",\n    \"")
        first = false
        raw(name)
        raw("\" : ")
    }

    private mutating func integer(_ number: Int64?) {
        guard let number else { return raw("null") }
        bytes += String(number).utf8
    }

    private mutating func strings(_ values: [String]?) {
        guard let values else { return raw("null") }
        guard !values.isEmpty else { return raw("[\n\n    ]") }
        raw("[")
        for (index, value) in values.enumerated() {
            raw(index == 0 ? "\n      " : ",\n      ")
            string(value)
        }
        raw("\n    ]")
    }

    /// A JSON string: `"` and `\` escaped, the control characters as JSONEncoder writes them, the rest
    /// (slashes, every other character) as its UTF-8.
    private mutating func string(_ value: String?) {
        guard let value else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"")
            case UInt8(ascii: "\\"): raw("\\\\")
            case 0x08: raw("\\b")
            case 0x0C: raw("\\f")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0..<0x20:
                raw("\\u00")
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
