import Foundation
import GRDB
import GitKit

/// How an event's values are stored since migration v7, in fewer bytes than their text (Docs/Schema.md):
/// times as integer milliseconds since 1970 (UTC), object ids as their 20 bytes, a batch id that is a
/// UUID as its 16 bytes, the repository as the id of its row in `repository`. The hash chain still hashes
/// the values as text, exactly as they were stored before (`AuditChain`): the conversions here are exact
/// both ways.
enum EventStorage {
    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000)
    }

    /// The stored value of a time read from a row: integer milliseconds, or (a row written by hand) text
    /// in GRDB's format.
    static func date(_ value: DatabaseValue) -> Date? {
        switch value.storage {
        case .int64(let milliseconds): return date(milliseconds: milliseconds)
        default: return Date.fromDatabaseValue(value)
        }
    }

    /// `2026-11-22 03:40:12.123`, the text GRDB stored before v7, as milliseconds; nil for any other text
    /// (which the migration keeps as text).
    static func milliseconds(storedText text: String) -> Int64? {
        let digits = Array(text.utf8)
        guard digits.count == 23 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = digits[index]
                guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(digit - UInt8(ascii: "0"))
            }
            return value
        }
        let separators: [(Int, Character)] = [(4, "-"), (7, "-"), (10, " "), (13, ":"), (16, ":"), (19, ".")]
        guard separators.allSatisfy({ digits[$0.0] == $0.1.asciiValue }),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              let milli = number(20..<23), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
              second < 60
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let milliseconds = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli
        // Only a text the SQL of the chain would give back exactly (no 31 February, nothing before 1970) is
        // converted.
        return milliseconds >= 0 && storedText(milliseconds: milliseconds) == text ? milliseconds : nil
    }

    /// The inverse: what `AuditChain` hashes for a time stored as milliseconds.
    static func storedText(milliseconds: Int64) -> String {
        String(decoding: storedTextBytes(milliseconds: milliseconds), as: UTF8.self)
    }

    /// The same as UTF-8 bytes, written digit by digit: a ship and a verify make it for every row.
    static func storedTextBytes(milliseconds: Int64) -> [UInt8] {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let inDay = milliseconds - days * 86_400_000
        let (year, month, day) = civil(fromDays: days)
        var text: [UInt8] = []
        text.reserveCapacity(23)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        if (0...9999).contains(year) {
            digits(year, 4)
        } else {
            text += (String(repeating: "0", count: max(0, 4 - String(year).count)) + String(year)).utf8
        }
        text.append(UInt8(ascii: "-")); digits(month, 2)
        text.append(UInt8(ascii: "-")); digits(day, 2)
        text.append(UInt8(ascii: " ")); digits(inDay / 3_600_000, 2)
        text.append(UInt8(ascii: ":")); digits(inDay / 60_000 % 60, 2)
        text.append(UInt8(ascii: ":")); digits(inDay / 1000 % 60, 2)
        text.append(UInt8(ascii: ".")); digits(inDay % 1000, 3)
        return text
    }

    /// A date as the text GRDB stores for a `Date` (`2026-11-22 03:40:12.123`, UTC), written without
    /// GRDB's `DateFormatter`: the first use of a `DateFormatter` loads ICU's locale data, about 5 MiB of a
    /// drain's peak memory (Docs/Performance.md). GRDB reads the text back as the same date.
    static func storedText(_ date: Date) -> String {
        storedText(milliseconds: milliseconds(date))
    }

    /// A date column read back without GRDB's calendar (which loads ICU's time zone data): the text
    /// `storedText` writes, integer milliseconds, else whatever GRDB understands.
    static func storedDate(_ value: DatabaseValue) -> Date? {
        if let text = String.fromDatabaseValue(value), let milliseconds = milliseconds(storedText: text) {
            return date(milliseconds: milliseconds)
        }
        return date(value)
    }

    // Howard Hinnant's days-from-civil and civil-from-days (proleptic Gregorian, day 0 = 1970-01-01).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// An object id as stored: its 20 bytes.
    static func stored(_ id: ObjectID?) -> DatabaseValue {
        id.map { Data($0.rawBytes).databaseValue } ?? .null
    }

    /// An object id read from a row: 20 bytes, or (a row written by hand, or before v7) 40 hex digits;
    /// nil for NULL (a creation's old value, a deletion's new one).
    /// - Throws: `StoredValueError` for anything else.
    static func objectID(_ value: DatabaseValue, column: String) throws(StoredValueError) -> ObjectID? {
        let id: ObjectID?
        switch value.storage {
        case .null: return nil
        case .blob(let data): id = ObjectID(rawBytes: data)
        case .string(let text): id = ObjectID(hex: text)
        default: id = nil
        }
        guard let id else { throw StoredValueError(column: column, value: value, expected: "an object id") }
        return id
    }

    /// A batch id as stored: a UUID in the form Refuge writes (upper case) as its 16 bytes, anything else
    /// as text.
    static func stored(batch: String) -> DatabaseValue {
        guard let uuid = UUID(uuidString: batch), uuid.uuidString == batch else { return batch.databaseValue }
        return withUnsafeBytes(of: uuid.uuid) { Data($0) }.databaseValue
    }

    /// A batch id stored as a UUID's 16 bytes, as the text it replaced.
    static func batchText(uuidBytes data: Data) -> String {
        let bytes = Array(data)
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                           bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString
    }

    static func batch(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .blob(let data) where data.count == 16: return batchText(uuidBytes: data)
        case .string(let text): return text
        default: return nil
        }
    }

    /// A filter on the repository, by its path (one argument): the events of every path that shares its
    /// identity (RepositoryIdentity: a moved or restored repository keeps the history of its old path).
    static let inRepositorySQL = "repository_id IN \(repositoryIDsSQL)"

    /// The ids of the paths of one repository, from one of its paths (one argument).
    /// Every row has an identity (migration v9 gave the rows it found one; a new row gets a random one until
    /// its repository registers the identity it keeps), so that this is a plain index lookup.
    static let repositoryIDsSQL = """
        (SELECT id FROM repository WHERE identity = (SELECT identity FROM repository WHERE path = ?))
        """

    /// The SQL of a repository's id, from its path (a constant subquery, so indexes on `repository_id` serve).
    static let repositoryIDSQL = "(SELECT id FROM repository WHERE path = ?)"

    /// Adds a path's row, with a provisional identity of its own, when the path is new (one argument).
    static let insertRepositorySQL = "INSERT OR IGNORE INTO repository (path, identity) VALUES (?, lower(hex(randomblob(16))))"
    /// The SQL of the path of the repository of the row of `event` being read.
    static let repositoryPathSQL = "(SELECT path FROM repository WHERE repository.id = event.repository_id)"
}
