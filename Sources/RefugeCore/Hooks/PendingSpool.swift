import Foundation

/// Where a hook parks analysed events it could not write to the database (locked, read-only, full,
/// corrupt…): `<spool>/pending.<pid>.<uuid>.json`. The next run that can write drains them.
enum PendingSpool {
    static let prefix = "pending."

    /// Writes atomically (temporary file, then rename), so a drain never reads half a file.
    static func park(_ events: [AuditEvent], in directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let name = "\(prefix)\(getpid()).\(UUID().uuidString).json"
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let data = try encoder.encode(events)
        let path = "\(directory)/\(name)"
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return path
    }

    static func read(_ path: String) throws -> [AuditEvent] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode([AuditEvent].self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
