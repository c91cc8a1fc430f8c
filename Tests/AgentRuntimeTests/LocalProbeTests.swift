import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// Command and file probes against real processes and real files.
@Suite struct LocalProbeTests {
    let evaluator = ProbeEvaluator()

    // MARK: command

    @Test func commandPassesOnExitCodeAndContains() async {
        let probe = Probe.command(CommandProbe(argv: ["sh", "-c", "echo replica in-sync"], stdoutContains: "in-sync"))
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(evidence.passed)
        #expect(evidence.phase == .pre)
        #expect(evidence.probe == "command sh -c echo replica in-sync")
        #expect(evidence.expected == #"exit code 0, stdout contains "in-sync""#)
        #expect(evidence.observed == #"exit code 0, stdout contains "in-sync""#)
    }

    @Test func commandFailsOnWrongExitCodeAndShowsStdout() async {
        let probe = Probe.command(CommandProbe(argv: ["sh", "-c", "echo lagging; echo detail >&2; exit 1"]))
        let evidence = await evaluator.evaluate(probe, phase: .post)
        #expect(!evidence.passed)
        #expect(evidence.expected == "exit code 0")
        #expect(evidence.observed == #"exit code 1, stdout "lagging\n", stderr "detail\n""#)
    }

    @Test func commandFailsWhenStdoutLacksTheString() async {
        let probe = Probe.command(CommandProbe(argv: ["echo", "out-of-sync"], stdoutContains: "in-sync!"))
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == #"exit code 0, stdout does not contain "in-sync!", stdout "out-of-sync\n""#)
    }

    @Test func commandExpectingANonZeroExitCodePasses() async {
        let probe = Probe.command(CommandProbe(argv: ["sh", "-c", "exit 4"], exitCode: 4))
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(evidence.passed)
        #expect(evidence.observed == "exit code 4")
    }

    @Test func commandRegexPassAndFail() async {
        let matching = Probe.command(CommandProbe(argv: ["printf", "lag: 12\nstate: ok\n"], stdoutMatches: "^state: (ok|ready)$"))
        let pass = await evaluator.evaluate(matching, phase: .pre)
        #expect(pass.passed)
        #expect(pass.observed == #"exit code 0, stdout matches "^state: (ok|ready)$""#)

        let failing = Probe.command(CommandProbe(argv: ["printf", "state: degraded\n"], stdoutMatches: "^state: (ok|ready)$"))
        let fail = await evaluator.evaluate(failing, phase: .pre)
        #expect(!fail.passed)
        #expect(fail.observed.hasPrefix(#"exit code 0, stdout does not match "^state: (ok|ready)$""#))
    }

    @Test func invalidRegexIsAFailedProbeWithAClearMessage() async {
        let probe = Probe.command(CommandProbe(argv: ["echo", "x"], stdoutMatches: "(unclosed"))
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed.contains(#"invalid regex "(unclosed": "#))
    }

    @Test func commandThatCannotStartFails() async {
        let probe = Probe.command(CommandProbe(argv: ["baton-missing-probe-tool"]))
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == "could not start: no such file: baton-missing-probe-tool")
    }

    @Test func commandTimeoutFails() async {
        let probe = Probe.command(CommandProbe(argv: ["sleep", "30"], timeoutMilliseconds: 200))
        let started = Date()
        let evidence = await evaluator.evaluate(probe, phase: .pre)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(!evidence.passed)
        #expect(evidence.observed.hasPrefix("timed out after 200 ms"))
    }

    @Test func commandEnvironmentReachesTheProbe() async {
        let probe = Probe.command(
            CommandProbe(argv: ["sh", "-c", "echo \"$BATON_ROLE\""], env: ["BATON_ROLE": "primary"], stdoutContains: "primary")
        )
        #expect(await evaluator.evaluate(probe, phase: .pre).passed)
    }

    // MARK: file

    @Test func fileProbes() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let state = dir.file("app.state")
        try "drained\n".write(toFile: state, atomically: true, encoding: .utf8)
        let missing = dir.file("missing.state")

        let exists = await evaluator.evaluate(.file(FileProbe(path: state)), phase: .post)
        #expect(exists.passed)
        #expect(exists.expected == "exists")
        #expect(exists.observed == "exists (8 bytes)")

        let contains = await evaluator.evaluate(.file(FileProbe(path: state, contains: "drained")), phase: .post)
        #expect(contains.passed)
        #expect(contains.expected == #"exists, contains "drained""#)
        #expect(contains.observed == #"exists (8 bytes), contains "drained""#)

        let lacks = await evaluator.evaluate(.file(FileProbe(path: state, contains: "serving")), phase: .post)
        #expect(!lacks.passed)
        #expect(lacks.observed == #"exists (8 bytes), does not contain "serving""#)

        let missingButExpected = await evaluator.evaluate(.file(FileProbe(path: missing, contains: "drained")), phase: .post)
        #expect(!missingButExpected.passed)
        #expect(missingButExpected.observed == "absent")

        let absent = await evaluator.evaluate(.file(FileProbe(path: missing, exists: false)), phase: .pre)
        #expect(absent.passed)
        #expect(absent.expected == "absent")
        #expect(absent.observed == "absent")

        let presentButExpectedAbsent = await evaluator.evaluate(.file(FileProbe(path: state, exists: false)), phase: .pre)
        #expect(!presentButExpectedAbsent.passed)
        #expect(presentButExpectedAbsent.observed == "exists (8 bytes)")

        let directory = await evaluator.evaluate(.file(FileProbe(path: dir.path, contains: "x")), phase: .pre)
        #expect(!directory.passed)
        #expect(directory.observed == "exists (directory), cannot search it")
    }

    @Test func fileContainsSearchesOnlyTheFirstMebibyte() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let big = dir.file("big.log")
        var content = Data(repeating: UInt8(ascii: "a"), count: ProbeEvaluator.fileReadLimit)
        content.append(contentsOf: Array("needle".utf8))
        try content.write(to: URL(fileURLWithPath: big))
        let evidence = await evaluator.evaluate(.file(FileProbe(path: big, contains: "needle")), phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == #"exists (1048582 bytes, first 1 MiB searched), does not contain "needle""#)
    }

    @Test func listEvaluationKeepsOrder() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let probes: [Probe] = [
            .file(FileProbe(path: dir.file("nope"), exists: false)),
            .command(CommandProbe(argv: ["false"])),
            .file(FileProbe(path: dir.path)),
        ]
        let evidence = await evaluator.evaluate(probes, phase: .post)
        #expect(evidence.map(\.probe) == probes.map(\.description))
        #expect(evidence.map(\.passed) == [true, false, true])
        #expect(evidence.allSatisfy { $0.phase == .post })
    }

    @Test func evidenceTextQuotesOnOneLine() {
        #expect(EvidenceText.quoted("a\"b\nc") == #""a\"b\nc""#)
        #expect(EvidenceText.quoted("abcdef", limit: 3) == "\"abc…\"")
    }
}
