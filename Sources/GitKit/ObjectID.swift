import CLibgit2

/// A SHA-1 object id. Never the all-zero id: git uses zero to mean "no object" (a creation's old
/// value, a deletion's new value), which Refuge represents as `nil` instead.
public struct ObjectID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    // The 20 bytes as three big-endian words: hashing, equality and order (the same as the hex digits')
    // cost a few machine instructions. Walks put hundreds of thousands of ids in sets.
    private let high: UInt64
    private let middle: UInt64
    private let low: UInt32

    public static let hexLength = 40

    /// Accepts exactly 40 hexadecimal digits (either case) that are not all zero.
    public init?(hex text: some StringProtocol) {
        var bytes = [UInt8](repeating: 0, count: 20)
        var count = 0
        for character in text.utf8 {
            guard count < Self.hexLength, let value = Self.nibble(character) else { return nil }
            bytes[count / 2] |= count % 2 == 0 ? value << 4 : value
            count += 1
        }
        guard count == Self.hexLength, bytes.contains(where: { $0 != 0 }) else { return nil }
        self.init(bytes: bytes)
    }

    /// For ids libgit2 guarantees are real objects (reference targets, walked commits).
    /// Ids that may be zero (reflog entries) go through `ObjectID.ifNonZero(_:)`.
    init(_ oid: git_oid) {
        self.init(bytes: withUnsafeBytes(of: oid.id) { Array($0) })
    }

    private init(bytes: [UInt8]) {
        func word(_ range: Range<Int>) -> UInt64 { range.reduce(0) { $0 << 8 | UInt64(bytes[$1]) } }
        high = word(0..<8)
        middle = word(8..<16)
        low = UInt32(word(16..<20))
    }

    private var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: middle >> (56 - 8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
    }

    /// 40 lowercase hexadecimal digits.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: Self.hexLength) { buffer in
            for (index, byte) in bytes.enumerated() {
                buffer[2 * index] = digits[Int(byte >> 4)]
                buffer[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return Self.hexLength
        }
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
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

    public static func < (lhs: ObjectID, rhs: ObjectID) -> Bool {
        (lhs.high, lhs.middle, lhs.low) < (rhs.high, rhs.middle, rhs.low)
    }

    var raw: git_oid {
        var oid = git_oid()
        let bytes = bytes
        withUnsafeMutableBytes(of: &oid.id) { buffer in
            for index in 0..<20 { buffer[index] = bytes[index] }
        }
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
