import GitKit

/// A line of hook input that Refuge could not understand. Nothing is recorded from it.
public struct MalformedHookLine: Error, Equatable, Sendable, CustomStringConvertible {
    public let hook: GitHook
    public let lineNumber: Int
    public let line: String
    public let reason: String

    public var description: String {
        let shown = line.count > 120 ? String(line.prefix(117)) + "..." : line
        return "\(hook.rawValue) input line \(lineNumber) ignored (\(reason)): \(shown.debugDescription)"
    }
}

/// What a hook's stdin said, parsed: the good lines, and the bad ones with reasons.
public struct ParsedHookInput<Line: Sendable>: Sendable {
    public var lines: [Line] = []
    public var malformed: [MalformedHookLine] = []
}

/// One line of `pre-push` input: `<local-ref> <local-oid> <remote-ref> <remote-oid>`.
public struct PrePushLine: Hashable, Sendable {
    /// What the pusher named as the source (`refs/heads/x`, `HEAD~`, a raw id); nil for a deletion.
    public let localRef: String?
    public let update: RefUpdate

    /// Parses all of `text`, pre-push's stdin.
    public static func parse(_ text: String) -> ParsedHookInput<PrePushLine> {
        parse(lines: text.split(separator: "\n", omittingEmptySubsequences: false))
    }

    /// Parses the input's lines. Ref names cannot contain spaces, so fields split on single spaces.
    public static func parse(lines: [Substring]) -> ParsedHookInput<PrePushLine> {
        parseLines(lines, hook: .prePush) { fields in
            guard fields.count == 4 else { throw Reason("expected <local-ref> <local-oid> <remote-ref> <remote-oid>") }
            let localID = try objectID(fields[1], "local object id")
            let remoteID = try objectID(fields[3], "remote object id")
            let remoteRef = try refName(fields[2], "remote ref")
            let isDeletion = fields[0] == "(delete)"
            if isDeletion != (localID == nil) {
                throw Reason(isDeletion ? "(delete) with a non-zero object id" : "zero local object id without (delete)")
            }
            guard let update = RefUpdate(ref: remoteRef, old: remoteID, new: localID) else {
                throw Reason("deletion of a ref the remote does not have")
            }
            return PrePushLine(localRef: isDeletion ? nil : String(fields[0]), update: update)
        }
    }
}

/// One line of `pre-receive`/`post-receive` input: `<old-oid> <new-oid> <ref>`.
public enum ReceiveLine {
    /// Parses all of `text`, the hook's stdin.
    public static func parse(_ text: String, hook: GitHook = .postReceive) -> ParsedHookInput<RefUpdate> {
        parse(lines: text.split(separator: "\n", omittingEmptySubsequences: false), hook: hook)
    }

    public static func parse(lines: [Substring], hook: GitHook) -> ParsedHookInput<RefUpdate> {
        parseLines(lines, hook: hook) { fields in
            guard fields.count == 3 else { throw Reason("expected <old-oid> <new-oid> <ref>") }
            let old = try objectID(fields[0], "old object id")
            let new = try objectID(fields[1], "new object id")
            let ref = try refName(fields[2], "ref")
            guard let update = RefUpdate(ref: ref, old: old, new: new) else {
                throw Reason("both object ids are zero")
            }
            return update
        }
    }
}

struct Reason: Error {
    let text: String
    init(_ text: String) { self.text = text }
}

/// Each line through `parseFields`, numbered from 1 as the hook's input; empty lines skipped.
func parseLines<Line>(_ lines: [Substring], hook: GitHook, _ parseFields: ([Substring]) throws -> Line)
    -> ParsedHookInput<Line>
{
    var result = ParsedHookInput<Line>()
    var number = 0
    for line in lines {
        number += 1
        let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
        if trimmed.isEmpty { continue }
        do {
            result.lines.append(try parseFields(trimmed.split(separator: " ", omittingEmptySubsequences: false)))
        } catch let reason as Reason {
            result.malformed.append(MalformedHookLine(hook: hook, lineNumber: number, line: String(trimmed), reason: reason.text))
        } catch {
            result.malformed.append(MalformedHookLine(hook: hook, lineNumber: number, line: String(trimmed), reason: "\(error)"))
        }
    }
    return result
}

func objectID(_ field: Substring, _ what: String) throws -> ObjectID? {
    do {
        return try HookObjectID.parse(field)
    } catch {
        throw Reason("\(what) is not 40 hexadecimal digits")
    }
}

func refName(_ field: Substring, _ what: String) throws -> String {
    let name = String(field)
    guard name == "HEAD" || Repository.isValidReferenceName(name) else {
        throw Reason("\(what) is not a valid ref name")
    }
    return name
}
