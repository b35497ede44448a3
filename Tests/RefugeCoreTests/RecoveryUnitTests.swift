import Foundation
import GitKit
import Testing
@testable import RefugeCore

@Suite("Recovery vocabulary")
struct RecoveryUnitTests {
    @Test("--to: up to six digits or #N is an event; anything else is a revision")
    func targets() {
        #expect(RecoveryRequest.Target(parsing: "12") == .event(12))
        #expect(RecoveryRequest.Target(parsing: "#12") == .event(12))
        #expect(RecoveryRequest.Target(parsing: "123456") == .event(123_456))
        #expect(RecoveryRequest.Target(parsing: "1234567") == .revision("1234567"))  // an abbreviated id
        #expect(RecoveryRequest.Target(parsing: "1a2b3c4") == .revision("1a2b3c4"))
        #expect(RecoveryRequest.Target(parsing: "main@{2}") == .revision("main@{2}"))
        #expect(RecoveryRequest.Target(parsing: "#") == .revision("#"))
    }

    @Test("gc expiry settings as durations, as git reads them")
    func gcIntervals() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(GCSchedule.interval(nil, default: 7, now: now) == 7)
        #expect(GCSchedule.interval("never", default: 7, now: now) == nil)
        #expect(GCSchedule.interval("false", default: 7, now: now) == nil)
        #expect(GCSchedule.interval("now", default: 7, now: now) == 0)
        #expect(abs((GCSchedule.interval("30.days.ago", default: 7, now: now) ?? 0) - Double(30 * 86_400)) < 0.01)
        #expect(abs((GCSchedule.interval("2.weeks", default: 7, now: now) ?? 0) - Double(14 * 86_400)) < 0.01)
        #expect(abs((GCSchedule.interval("3 hours ago", default: 7, now: now) ?? 0) - Double(3 * 3_600)) < 0.01)
    }

    @Test("expiry: the later of the reflog entry's and the object file's; none when a setting says never")
    func expiry() {
        let schedule = GCSchedule(reflogExpireUnreachable: 30 * 86_400, pruneExpire: 14 * 86_400)
        let mention = Date(timeIntervalSince1970: 1_000_000)
        let stored = Date(timeIntervalSince1970: 2_000_000)
        #expect(schedule.expiry(lastReflogMention: mention, stored: stored) == mention.addingTimeInterval(30 * 86_400))
        #expect(schedule.expiry(lastReflogMention: nil, stored: stored) == stored.addingTimeInterval(14 * 86_400))
        #expect(GCSchedule(reflogExpireUnreachable: nil, pruneExpire: 1).expiry(lastReflogMention: mention, stored: stored) == nil)
    }

    @Test("lost chains: each tip counts only the commits no other tip reaches")
    func exclusiveCounts() {
        func id(_ n: Int) -> ObjectID { ObjectID(hex: String(format: "%040x", n))! }
        // 1 ← 2 ← 3 (tip) and 2 ← 4 (tip): 1 and 2 are shared, 3 and 4 are each one tip's own.
        let parents: [ObjectID: [ObjectID]] = [id(1): [], id(2): [id(1)], id(3): [id(2)], id(4): [id(2)], id(5): []]
        let counts = LostCommitScan.exclusiveCounts(tips: [id(3), id(4), id(5)], parents: parents)
        #expect(counts[id(3)] == 1 && counts[id(4)] == 1 && counts[id(5)] == 1)
        let single = LostCommitScan.exclusiveCounts(tips: [id(3)], parents: parents)
        #expect(single[id(3)] == 3)
    }
}
