internal import CLibgit2

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
        // One call through the string's contiguous UTF-8 (a String's, a Substring's), not a generic
        // iterator per character: the audit log decodes two ids per row, a million rows in a scan.
        let parsed = text.utf8.withContiguousStorageIfAvailable { Self.words(hexDigits: $0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { Self.words(hexDigits: $0) }
        guard let parsed else { return nil }
        (high, middle, low) = parsed
    }

    /// 40 hexadecimal digits as an id: `.some(nil)` for the all-zero id (git's "no object"), nil when they
    /// are not 40 hexadecimal digits.
    static func parse(hexDigits digits: UnsafeBufferPointer<UInt8>) -> ObjectID?? {
        guard let words = hexWords(digits) else { return nil }
        return .some(words == (0, 0, 0) ? nil : ObjectID(words: (words.0, words.1, UInt32(words.2))))
    }

    private init(words: (UInt64, UInt64, UInt32)) {
        (high, middle, low) = words
    }

    /// The three words of 40 hexadecimal digits, or nil (not 40 digits, or all zero).
    private static func words(hexDigits digits: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt32)? {
        guard let words = hexWords(digits), words != (0, 0, 0) else { return nil }
        return (words.0, words.1, UInt32(words.2))
    }

    /// 40 hexadecimal digits as three words (16, 16 and 8 digits), in one pass through a table: reflogs
    /// and the audit log hold millions of ids.
    private static func hexWords(_ digits: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64, UInt64)? {
        guard digits.count == hexLength else { return nil }
        var invalid: UInt8 = 0
        func word(_ range: Range<Int>) -> UInt64 {
            var value: UInt64 = 0
            for index in range {
                let nibble = nibbles[Int(digits[index])]
                invalid |= nibble
                value = value << 4 | UInt64(nibble & 0x0f)
            }
            return value
        }
        let words = (word(0..<16), word(16..<32), word(32..<40))
        return invalid & 0xf0 == 0 ? words : nil
    }

    /// Each byte's value as a hexadecimal digit, or 0xff.
    private static let nibbles: [UInt8] = (0...255).map { nibble(UInt8($0)) ?? 0xff }

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

    /// The 20 bytes (an id as the audit log stores it); nil for any other length or the all-zero id.
    public init?(rawBytes: some Collection<UInt8>) {
        guard rawBytes.count == 20, rawBytes.contains(where: { $0 != 0 }) else { return nil }
        self.init(bytes: Array(rawBytes))
    }

    /// The 20 bytes, in order.
    public var rawBytes: [UInt8] { bytes }

    private var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: middle >> (56 - 8 * $0)) }
            + (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
    }

    /// 40 lowercase hexadecimal digits, read off the words a nibble at a time.
    public var hex: String {
        String(unsafeUninitializedCapacity: Self.hexLength) { buffer in
            func digit(_ value: UInt64) -> UInt8 {
                value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "a") + UInt8(value - 10)
            }
            for index in 0..<16 {
                buffer[index] = digit(high >> (60 - 4 * UInt64(index)) & 0xf)
                buffer[16 + index] = digit(middle >> (60 - 4 * UInt64(index)) & 0xf)
            }
            for index in 0..<8 {
                buffer[32 + index] = digit(UInt64(low) >> (28 - 4 * UInt64(index)) & 0xf)
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
