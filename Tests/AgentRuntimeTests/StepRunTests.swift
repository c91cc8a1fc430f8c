import AgentCore
import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// Whole attempts run for real: the core, real processes, real probes. Outputs, failure kinds and
/// argv handling as the coordinator sees them in the report.
@Suite struct StepRunTests {
    // MARK: outputs

    @Test func outputsFromAJSONObjectOnStdout() async throws {
        let json = #"{"lag_bytes": 2048, "leader": "db-2", "in_sync": false, "members": ["db-1", "db-2"]}"#
        let assignment = LocalStep.assignment(
            run: ["printf", "%s\n", json],
            outputs: [
                OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes")),
                OutputSpec(name: "leader", type: .string, source: .stdout(key: "leader")),
                OutputSpec(name: "in_sync", type: .bool, source: .stdout(key: "in_sync")),
                OutputSpec(name: "members", type: .string, source: .stdout(key: "members")),
            ])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .verified, "\(report.reason)")
        #expect(report.failureKind == nil)
        #expect(
            report.outputs == ["lag_bytes": "2048", "leader": "db-2", "in_sync": "false", "members": #"["db-1","db-2"]"#])
    }

    @Test func outputsFromKeyValueLinesReadTheFullStdoutNotTheReportTail() async throws {
        // The key comes first, then 300 KB: far beyond the 64 KiB tail the report keeps.
        let script = #"echo "lag_bytes=0042"; printf 'filler\r\n'; head -c 300000 /dev/zero | tr '\0' 'x'; echo; echo "lag_bytes=17""#
        let assignment = LocalStep.assignment(
            run: ["sh", "-c", script],
            outputs: [OutputSpec(name: "lag", type: .int, source: .stdout(key: "lag_bytes"))])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .verified, "\(report.reason)")
        #expect(report.outputs == ["lag": "17"])
        #expect(report.stdoutTail.utf8.count <= ActionExecution.reportTailBytes)

        let first = LocalStep.assignment(
            run: ["sh", "-c", #"echo "key=first"; head -c 300000 /dev/zero | tr '\0' 'x'; echo"#],
            outputs: [OutputSpec(name: "key", type: .string, source: .stdout(key: "key"))])
        #expect(try await LocalStep.run(first).outputs == ["key": "first"])
    }

    @Test func outputFromAProbesObservedValue() async throws {
        let listener = try LoopbackSocket()
        defer { listener.close() }
        let assignment = LocalStep.assignment(
            run: ["true"], post: [.file(FileProbe(path: "/", exists: true)), .tcp(TCPProbe(port: listener.port))],
            outputs: [OutputSpec(name: "port_state", type: .string, source: .probe(phase: .post, index: 1))])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .verified, "\(report.reason)")
        #expect(report.outputs == ["port_state": "open"])
    }

    @Test(
        "a missing or mistyped output fails the attempt with kind output",
        arguments: [
            ("replica=db-3", "output lag_bytes: stdout has no key lag_bytes"),
            ("lag_bytes=abc", "output lag_bytes must be an int, got 'abc'"),
        ])
    func missingOrMistypedOutput(stdout: String, reason: String) async throws {
        let assignment = LocalStep.assignment(
            run: ["echo", stdout], outputs: [OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes"))])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .failed)
        #expect(report.failureKind == .output)
        #expect(report.reason == reason)
        #expect(report.outputs.isEmpty)
        #expect(report.exitCode == 0)
    }

    // MARK: argv, never a shell

    @Test func shellSyntaxInAnArgvElementIsPrintedLiterallyAndNeverRuns() async throws {
        let directory = try ExecTestDirectory()
        defer { directory.remove() }
        let marker = directory.file("injected-\(UUID().uuidString)")
        let hostile = "$(touch \(marker)); touch \(marker) && rm -rf \(directory.file("nothing-here")) `touch \(marker)` | tee \(marker)"
        let assignment = LocalStep.assignment(
            run: ["/bin/echo", hostile, "note=$(touch \(marker))", "$HOME"],
            outputs: [OutputSpec(name: "note", type: .string, source: .stdout(key: "\(hostile) note"))])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .verified, "\(report.reason)")
        #expect(report.stdoutTail == "\(hostile) note=$(touch \(marker)) $HOME\n")
        #expect(report.outputs == ["note": "$(touch \(marker)) $HOME"])
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    // MARK: failure kinds

    @Test func aFailingPreconditionIsKindPreconditionAndTheActionNeverRuns() async throws {
        let directory = try ExecTestDirectory()
        defer { directory.remove() }
        let assignment = LocalStep.assignment(
            pre: [.file(FileProbe(path: directory.file("missing.flag")))], run: ["touch", directory.file("ran")])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .failed)
        #expect(report.failureKind == .precondition)
        #expect(report.reason.hasPrefix("precondition failed: file "))
        #expect(!FileManager.default.fileExists(atPath: directory.file("ran")))
    }

    @Test(
        "a nonzero exit or a spawn failure is kind action; a kill at the timeout is kind timeout",
        arguments: [
            (["sh", "-c", "exit 3"], FailureKind.action, "action exited with code 3"),
            (["sh", "-c", "kill -TERM $$"], .action, "action was killed by signal 15"),
            (["/nonexistent/baton-no-such-tool"], .action, "action could not start: "),
            (["sleep", "30"], .timeout, "action timed out after 300ms; its process group was killed"),
        ])
    func failingAction(argv: [String], kind: FailureKind, reason: String) async throws {
        let report = try await LocalStep.run(LocalStep.assignment(run: argv, timeoutMilliseconds: 300))
        #expect(report.outcome == .failed)
        #expect(report.failureKind == kind)
        #expect(report.reason.hasPrefix(reason), "\(report.reason)")
    }

    @Test func aFailingPostconditionIsKindPostcondition() async throws {
        let directory = try ExecTestDirectory()
        defer { directory.remove() }
        let assignment = LocalStep.assignment(
            run: ["true"], post: [.file(FileProbe(path: directory.file("never-written")))],
            outputs: [OutputSpec(name: "x", type: .string, source: .stdout(key: "x"))])
        let report = try await LocalStep.run(assignment)
        #expect(report.outcome == .failed)
        #expect(report.failureKind == .postcondition)
        #expect(report.reason.hasPrefix("postcondition failed: file "))
        #expect(report.outputs.isEmpty)
    }
}
