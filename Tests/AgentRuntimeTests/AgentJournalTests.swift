import AgentCore
import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// The agent's local journal: a plain append-only file that survives the process.
@Suite struct AgentJournalTests {
    static func directory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("agent-journal-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func assignment(_ attempt: Int) -> Assignment {
        Assignment(
            runID: "r-1", stepID: "flush", attempt: attempt, epoch: 1, pre: [], action: Action(argv: ["true"]), post: [],
            timeoutMilliseconds: 1_000)
    }

    static func report(_ attempt: Int) -> StepReport {
        StepReport(
            runID: "r-1", stepID: "flush", attempt: attempt, outcome: .verified,
            startedAt: Instant(millisecondsSinceEpoch: 1), finishedAt: Instant(millisecondsSinceEpoch: 2))
    }

    @Test func entriesSurviveReopeningAndAcknowledgedAttemptsAreCompactedAway() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let journal = try AgentJournal(directory: directory)
            #expect(journal.recovered.isEmpty)
            try journal.append(.accepted(Self.assignment(1)))
            try journal.append(.started(Self.assignment(1).key, processGroup: 77), durable: false)
            try journal.append(.completed(Self.report(1)))
            try journal.append(.acknowledged(Self.report(1).key), durable: false)
            try journal.append(.accepted(Self.assignment(2)))
            try journal.append(.completed(Self.report(2)))
        }
        let reopened = try AgentJournal(directory: directory)
        #expect(reopened.recovered == [.accepted(Self.assignment(2)), .completed(Self.report(2))])
        let mode = try FileManager.default.attributesOfItem(atPath: reopened.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aTornLastLineFromACrashMidWriteIsIgnored() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            let journal = try AgentJournal(directory: directory)
            try journal.append(.accepted(Self.assignment(1)))
        }
        let path = directory + "/" + AgentJournal.fileName
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"completed":{"_0":{"runID":"r-1","st"#.utf8))
        try handle.close()
        let reopened = try AgentJournal(directory: directory)
        #expect(reopened.recovered == [.accepted(Self.assignment(1))])
        // The recovered core reports the interrupted attempt as unknown.
        var core = AgentCore()
        let effects = core.recover(reopened.recovered, now: Instant(millisecondsSinceEpoch: 10))
        #expect(core.outbox.first?.outcome == .unknown)
        #expect(effects.count == 1)
    }
}

/// Outputs and failure kinds are part of what the journal keeps.
@Suite struct AgentJournalOutputTests {
    @Test func outputsAndFailureKindsSurviveARestart() throws {
        let directory = AgentJournalTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var assignment = AgentJournalTests.assignment(1)
        assignment.outputs = [
            OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes")),
            OutputSpec(name: "state", type: .string, source: .probe(phase: .post, index: 0)),
        ]
        var verified = AgentJournalTests.report(1)
        verified.outputs = ["lag_bytes": "2048", "state": "open"]
        var failed = AgentJournalTests.report(2)
        failed.outcome = .failed
        failed.failureKind = .output
        failed.reason = "output lag_bytes must be an int, got 'abc'"
        do {
            let journal = try AgentJournal(directory: directory)
            try journal.append(.accepted(assignment))
            try journal.append(.completed(verified))
            try journal.append(.completed(failed))
        }
        let reopened = try AgentJournal(directory: directory)
        #expect(reopened.recovered == [.accepted(assignment), .completed(verified), .completed(failed)])
        var core = AgentCore()
        _ = core.recover(reopened.recovered, now: Instant(millisecondsSinceEpoch: 10))
        #expect(core.outbox.map(\.outputs) == [verified.outputs, [:]])
        #expect(core.outbox.map(\.failureKind) == [nil, .output])
    }

    @Test func entriesWrittenBeforeOutputsExistedStillDecode() throws {
        let directory = AgentJournalTests.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let accepted = AgentJournalTests.assignment(1)
        let completed = AgentJournalTests.report(1)
        // Lines as an older agent wrote them: no `outputs` field in the assignment or the report.
        func legacyLine(_ entry: AgentJournalEntry, kind: String) throws -> String {
            var object = try #require(JSONSerialization.jsonObject(with: JSONEncoder().encode(entry)) as? [String: Any])
            var wrapper = try #require(object[kind] as? [String: Any])
            var payload = try #require(wrapper["_0"] as? [String: Any])
            payload["outputs"] = nil
            wrapper["_0"] = payload
            object[kind] = wrapper
            return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        }
        let text = try legacyLine(.accepted(accepted), kind: "accepted") + "\n"
            + legacyLine(.completed(completed), kind: "completed") + "\n"
        #expect(!text.contains("outputs"))
        try text.write(toFile: directory + "/" + AgentJournal.fileName, atomically: true, encoding: .utf8)
        let reopened = try AgentJournal(directory: directory)
        #expect(reopened.recovered == [.accepted(accepted), .completed(completed)])
    }
}
