internal import CLibgit2
import Foundation

/// A libgit2 failure, with libgit2's own message and what Refuge was doing when it happened.
public struct GitError: Error, CustomStringConvertible, Sendable {
    /// libgit2's error code, matchable without libgit2's headers: `catch let error as GitError where error.code == .modified`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        init(_ code: git_error_code) { rawValue = code.rawValue }

        /// The object or reference does not exist.
        public static let notFound = Code(GIT_ENOTFOUND)
        /// A reference to be created already exists (compare-and-swap against "absent").
        public static let exists = Code(GIT_EEXISTS)
        /// A reference moved between reading and writing it (compare-and-swap failed).
        public static let modified = Code(GIT_EMODIFIED)
        /// A short id or revision names more than one object.
        public static let ambiguous = Code(GIT_EAMBIGUOUS)
        /// The repository belongs to another user and `safe.directory` does not list it.
        public static let owner = Code(GIT_EOWNER)
        /// A ref name or revision is malformed.
        public static let invalidSpec = Code(GIT_EINVALIDSPEC)
        /// A lock file exists (another git process is writing the same ref or index).
        public static let locked = Code(GIT_ELOCKED)
        /// A value is malformed (a bad boolean in `git -c`, say): libgit2's generic failure.
        public static let generic = Code(GIT_ERROR)

        public var description: String { "libgit2 error \(rawValue)" }

        /// `case .notFound:` in a `switch error.code`.
        public static func ~= (pattern: Code, value: Code) -> Bool { pattern == value }
    }

    /// libgit2's error code.
    public let code: Code
    /// libgit2's message, or a description of the code when libgit2 left none.
    public let message: String
    /// What was being done, in the words of the caller ("opening repository at /srv/a.git").
    public let operation: String

    public var isNotFound: Bool { code == .notFound }
    /// A compare-and-swap lost: someone else created or moved the reference in between.
    public var isConcurrentUpdate: Bool { code == .modified || code == .exists }

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
    throw GitError(code: GitError.Code(rawValue: result), message: message, operation: operation())
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var copy = self
        while copy.hasSuffix("\n") { copy.removeLast() }
        return copy
    }
}
