import Foundation

/// How every `--json` is printed: pretty, keys sorted, slashes as they are (refs and paths stay readable).
public enum JSONOutput {
    public static func render(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// An optional that JSON prints as `null` when it has no value. Synthesized `Encodable` leaves such a key
/// out; Refuge's JSON has every key of its schema every time (Docs/Schema.md), so that a script can tell
/// "unknown" from "not in this version".
@propertyWrapper
public struct Nullable<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
