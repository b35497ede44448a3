import CLibgit2

/// A SHA-1 object id. Never the all-zero id: git uses zero to mean "no object" (a creation's old
/// value, a deletion's new value), which Refuge represents as `nil` instead.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// 40 lowercase hexadecimal digits.
    public let hex: String

    public static let hexLength = 40

    /// Accepts exactly 40 hexadecimal digits (either case) that are not all zero.
    public init?(hex text: some StringProtocol) {
        guard text.utf8.count == Self.hexLength,
              text.utf8.allSatisfy(\.isHexDigit),
              !text.utf8.allSatisfy({ $0 == UInt8(ascii: "0") })
        else { return nil }
        hex = text.lowercased()
    }

    /// For ids libgit2 guarantees are real objects (reference targets, walked commits).
    /// Ids that may be zero (reflog entries) go through `ObjectID.ifNonZero(_:)`.
    init(_ oid: git_oid) {
        var copy = oid
        hex = withUnsafePointer(to: &copy) { pointer in
            var buffer = [CChar](repeating: 0, count: Self.hexLength + 1)
            git_oid_tostr(&buffer, buffer.count, pointer)
            return String(decoding: buffer.prefix(Self.hexLength).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }

    static func ifNonZero(_ oid: git_oid) -> ObjectID? {
        var copy = oid
        return git_oid_is_zero(&copy) == 1 ? nil : ObjectID(oid)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = ObjectID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an object id: \(text)")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    /// The 7-digit abbreviation used in human output.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool { lhs.hex < rhs.hex }

    var raw: git_oid {
        var oid = git_oid()
        // Cannot fail: `hex` was validated on construction.
        _ = git_oid_fromstrn(&oid, hex, Self.hexLength)
        return oid
    }
}

/// How a hook line spells an object id: 40 hex digits, where all zeros means "none".
public enum HookObjectID {
    public enum Failure: Error, Equatable, Sendable { case malformed(String) }

    /// Parses a hook field: `nil` for the zero id, an `ObjectID` otherwise.
    public static func parse(_ field: some StringProtocol) throws(Failure) -> ObjectID? {
        if let id = ObjectID(hex: field) { return id }
        if field.utf8.count == ObjectID.hexLength, field.utf8.allSatisfy({ $0 == UInt8(ascii: "0") }) {
            return nil
        }
        throw .malformed(String(field))
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
