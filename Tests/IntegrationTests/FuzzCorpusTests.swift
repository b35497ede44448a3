import Foundation
import RefugeTestSupport
import Testing

/// The fuzz corpus (Fuzz/Corpus, grown by Scripts/fuzz under libFuzzer) replayed through the same targets
/// in every test run: an input that once crashed a parser stays a regression test.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test("every corpus input goes through its target without a crash", arguments: ["hook-input", "spool", "reflog"])
    func replay(target: String) throws {
        let box = try Sandbox()
        let corpus = "\(Self.packageRoot)/Fuzz/Corpus/\(target)"
        let inputs = try FileManager.default.contentsOfDirectory(atPath: corpus).count
        #expect(inputs >= 3)
        let result = try box.run("\(box.binDirectory)/refuge-fuzz", [target, corpus])
        #expect(result.succeeded, "\(result.stderr)")
        #expect(result.stdout == "\(target): \(inputs) input(s) replayed, no crash\n")
    }
}
