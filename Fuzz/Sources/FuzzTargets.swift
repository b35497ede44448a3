import Foundation
import GitKit
import RefugeCore

/// What the fuzzer feeds, one target per run (`REFUGE_FUZZ_TARGET`): the hook input parsers, the spool
/// reader, and libgit2's reflog reader through GitKit. Each must take any bytes without crashing.
enum FuzzTarget: String, CaseIterable {
    case hookInput = "hook-input"
    case spool
    case reflog

    static var selected: FuzzTarget {
        FuzzTarget(rawValue: ProcessInfo.processInfo.environment["REFUGE_FUZZ_TARGET"] ?? "") ?? .hookInput
    }

    func run(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        switch self {
        case .hookInput:
            let push = PrePushLine.parse(text)
            for line in push.lines { precondition(line.update.old != nil || line.update.new != nil) }
            _ = ReceiveLine.parse(text)
            _ = ReceiveLine.parse(text, hook: .preReceive)
        case .spool:
            let found = ParserProbes.spool(text)
            precondition(found.updates >= 0 && found.problems >= 0)
        case .reflog:
            ReflogFixture.shared.read(data)
        }
    }
}

/// A repository whose `logs/refs/heads/fuzz` is replaced by each input, then read through libgit2.
final class ReflogFixture: @unchecked Sendable {
    static let shared = ReflogFixture()
    let directory: String
    let repository: Repository?

    private init() {
        directory = NSTemporaryDirectory() + "refuge-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: "\(directory)/logs/refs/heads", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: "\(directory)/objects", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: "\(directory)/refs/heads", withIntermediateDirectories: true)
        try? "ref: refs/heads/fuzz\n".write(toFile: "\(directory)/HEAD", atomically: true, encoding: .utf8)
        try? "[core]\n\trepositoryformatversion = 0\n\tbare = true\n".write(
            toFile: "\(directory)/config", atomically: true, encoding: .utf8)
        repository = try? Repository.open(at: directory)
    }

    func read(_ data: Data) {
        guard let repository else { return }
        FileManager.default.createFile(atPath: "\(directory)/logs/refs/heads/fuzz", contents: data)
        if let entries = try? repository.reflog(of: "refs/heads/fuzz") {
            for entry in entries { _ = (entry.old?.hex, entry.new?.hex, entry.message) }
        }
    }
}
