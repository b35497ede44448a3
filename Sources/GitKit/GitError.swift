import CLibgit2
import Foundation

/// A libgit2 failure, with libgit2's own message and what Refuge was doing when it happened.
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// libgit2's error code (`GIT_ENOTFOUND`, `GIT_EOWNER`, …).
    public let code: Int32
    /// libgit2's message, or a description of the code when libgit2 left none.
    public let message: String
    /// What was being done, in the words of the caller ("opening repository at /srv/a.git").
    public let operation: String

    public var isNotFound: Bool { code == GIT_ENOTFOUND.rawValue }

    public var description: String {
        if let unsupported = UnsupportedRepositoryFormat(libgit2Message: message) {
            return "\(operation): \(unsupported.explanation)"
        }
        return "\(operation): \(message)"
    }
}

/// Repository formats that libgit2 1.5 cannot read; git itself may (SHA-256 objects, reftable refs).
public enum UnsupportedRepositoryFormat: Sendable {
    case sha256Objects
    case reftable
    case otherExtension(String)

    init?(libgit2Message: String) {
        guard let range = libgit2Message.range(of: "unsupported extension name ") else { return nil }
        let name = libgit2Message[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch name {
        case "extensions.objectformat": self = .sha256Objects
        case "extensions.refstorage": self = .reftable
        default: self = .otherExtension(name)
        }
    }

    var explanation: String {
        switch self {
        case .sha256Objects:
            return "it is a SHA-256 repository, which Refuge cannot read yet (libgit2 1.5 supports SHA-1 only)"
        case .reftable:
            return "it stores refs in reftable format, which Refuge cannot read yet (libgit2 1.5 reads files refs only)"
        case .otherExtension(let name):
            return "it uses the repository extension \(name), which Refuge cannot read (libgit2 1.5)"
        }
    }
}

/// The one checker every libgit2 call goes through: a negative result becomes a `GitError`
/// carrying libgit2's last error message and the operation being performed.
@discardableResult
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws -> Int32 {
    guard result < 0 else { return result }
    var message = "libgit2 error \(result)"
    if let last = git_error_last(), let text = last.pointee.message {
        message = String(cString: text).trimmingTrailingNewlines()
    }
    throw GitError(code: result, message: message, operation: operation())
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var copy = self
        while copy.hasSuffix("\n") { copy.removeLast() }
        return copy
    }
}
