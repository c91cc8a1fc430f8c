import BatonModel
import Foundation
import Glibc
import Testing

@testable import AgentRuntime

@Suite struct ProcessRunnerTests {
    let runner = ProcessRunner()

    @Test func exitCodeStdoutAndStderr() async {
        let result = await runner.run(
            argv: ["sh", "-c", "echo hello; echo oops >&2; exit 3"], env: [:], timeoutMilliseconds: 10_000
        )
        #expect(result.spawnError == nil)
        #expect(result.exitCode == 3)
        #expect(result.terminatingSignal == nil)
        #expect(!result.timedOut)
        #expect(result.stdout == "hello\n")
        #expect(result.stderr == "oops\n")
        #expect(result.pid != nil)
        #expect(result.startedAt <= result.finishedAt)
        #expect(result.outcomeSummary == "exit code 3")
    }

    @Test func zeroExitAndArgvResolvedThroughPath() async {
        let result = await runner.run(argv: ["true"], env: [:], timeoutMilliseconds: 10_000)
        #expect(result.exitCode == 0)
        #expect(result.stdout.isEmpty)
    }

    @Test func killedBySignalHasNoExitCode() async {
        let result = await runner.run(argv: ["sh", "-c", "kill -KILL $$"], env: [:], timeoutMilliseconds: 10_000)
        #expect(result.exitCode == nil)
        #expect(result.terminatingSignal == SIGKILL)
        #expect(!result.timedOut)
        #expect(result.outcomeSummary == "killed by signal 9 (SIGKILL)")
    }

    @Test func outputTailsAreCappedAndChattyStreamsDoNotDeadlock() async {
        // Both streams write far more than a pipe buffer at the same time.
        let script = "(head -c 400000 /dev/zero | tr '\\0' y >&2) & head -c 400000 /dev/zero | tr '\\0' x; wait; echo END"
        let result = await runner.run(argv: ["sh", "-c", script], env: [:], timeoutMilliseconds: 20_000, outputCapBytes: 1_000)
        #expect(result.exitCode == 0)
        #expect(result.stdout.utf8.count == 1_000)
        #expect(result.stdout.hasSuffix("xxxEND\n"))
        #expect(result.stdoutTruncated)
        #expect(result.stderr.utf8.count == 1_000)
        #expect(result.stderr.allSatisfy { $0 == "y" })
        #expect(result.stderrTruncated)
    }

    @Test func environmentIsInheritedAndOverlaid() async {
        let result = await runner.run(
            argv: ["sh", "-c", "printf '%s|%s' \"$BATON_TEST_VALUE\" \"${PATH:+inherited}\""],
            env: ["BATON_TEST_VALUE": "hello world $HOME"], timeoutMilliseconds: 10_000
        )
        #expect(result.exitCode == 0)
        #expect(result.stdout == "hello world $HOME|inherited")
    }

    @Test func argvIsNeverInterpretedByAShell() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let marker = dir.file("pwned")
        let hostile = "$(touch \(marker)); rm -rf /"
        let result = await runner.run(argv: ["printf", "%s", hostile], env: [:], timeoutMilliseconds: 10_000)
        #expect(result.exitCode == 0)
        #expect(result.stdout == hostile)
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test func missingExecutableIsASpawnErrorNotACrash() async {
        let name = "baton-no-such-command-\(UUID().uuidString)"
        let result = await runner.run(argv: [name, "--help"], env: [:], timeoutMilliseconds: 10_000)
        #expect(result.spawnError == "no such file: \(name)")
        #expect(result.exitCode == nil)
        #expect(result.pid == nil)
        #expect(result.outcomeSummary == "could not start: no such file: \(name)")

        let absolute = await runner.run(argv: ["/nonexistent-baton-dir/tool"], env: [:], timeoutMilliseconds: 10_000)
        #expect(absolute.spawnError == "no such file: /nonexistent-baton-dir/tool")

        let empty = await runner.run(argv: [], env: [:], timeoutMilliseconds: 10_000)
        #expect(empty.spawnError == "empty argv")
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let pidFile = dir.file("child.pid")
        let started = Date()
        let result = await runner.run(
            argv: ["sh", "-c", "sleep 60 & echo $! > '\(pidFile)'; sleep 60"], env: [:], timeoutMilliseconds: 300
        )
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(result.timedOut)
        #expect(result.exitCode == nil)
        #expect(result.terminatingSignal == SIGTERM)
        #expect(result.outcomeSummary.hasPrefix("timed out after"))

        let shellPID = try #require(result.pid)
        let childText = try String(contentsOfFile: pidFile, encoding: .utf8)
        let childPID = try #require(pid_t(childText.trimmingCharacters(in: .whitespacesAndNewlines)))
        // The shell was our child and has been reaped: it must be gone entirely.
        #expect(await pollUntil { kill(shellPID, 0) == -1 && errno == ESRCH })
        // The background sleep was in the same process group: it must be dead too.
        #expect(await pollUntil { processIsGone(childPID) })
    }

    @Test func sigtermIgnoringGroupIsKilledAfterTheGrace() async {
        let runner = ProcessRunner(killGraceMilliseconds: 300)
        let started = Date()
        let result = await runner.run(argv: ["sh", "-c", "trap '' TERM; sleep 60"], env: [:], timeoutMilliseconds: 200)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(result.timedOut)
        #expect(result.terminatingSignal == SIGKILL)
    }

    @Test func terminateAllStopsRunningProcesses() async {
        let runner = ProcessRunner()
        let task = Task { await runner.run(argv: ["sleep", "30"], env: [:], timeoutMilliseconds: 60_000) }
        #expect(await pollUntil { !runner.runningPIDs.isEmpty })
        runner.terminateAll()
        let result = await task.value
        #expect(result.terminated)
        #expect(!result.timedOut)
        #expect(result.terminatingSignal == SIGTERM)
        #expect(runner.runningPIDs.isEmpty)
    }

    @Test func cancellingTheTaskStopsTheProcess() async {
        let runner = ProcessRunner()
        let task = Task { await runner.run(argv: ["sleep", "30"], env: [:], timeoutMilliseconds: 60_000) }
        #expect(await pollUntil { !runner.runningPIDs.isEmpty })
        task.cancel()
        let result = await task.value
        #expect(result.terminated)
        #expect(result.exitCode == nil)
    }

    @Test func backgroundChildHoldingThePipesDoesNotHangTheRun() async throws {
        let runner = ProcessRunner(drainGraceMilliseconds: 200)
        let started = Date()
        let result = await runner.run(argv: ["sh", "-c", "sleep 30 & echo $!"], env: [:], timeoutMilliseconds: 10_000)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(result.exitCode == 0)
        let orphan = try #require(pid_t(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        _ = kill(orphan, SIGKILL)
    }

    @Test func concurrentRunsKeepTheirOwnOutput() async {
        let results = await withTaskGroup(of: (Int, ProcessResult).self) { group in
            for index in 0..<8 {
                group.addTask {
                    (index, await runner.run(argv: ["sh", "-c", "sleep 0.2; echo run-\(index)"], env: [:], timeoutMilliseconds: 10_000))
                }
            }
            var collected: [Int: ProcessResult] = [:]
            for await (index, result) in group { collected[index] = result }
            return collected
        }
        for index in 0..<8 {
            #expect(results[index]?.stdout == "run-\(index)\n")
            #expect(results[index]?.exitCode == 0)
        }
    }

    @Test func outputTailKeepsTheLastBytesAndDropsACutCharacter() {
        var tail = OutputTail(capacity: 4)
        "abcdef".utf8.withContiguousStorageIfAvailable { tail.append(UnsafeRawBufferPointer($0)) }
        #expect(tail.text == "cdef")
        #expect(tail.truncated)
        var cut = OutputTail(capacity: 3)
        Array("xé!!".utf8).withUnsafeBytes { cut.append($0) }  // é is two bytes; the cap splits it
        #expect(cut.text == "!!")
    }

    @Test func hugeTimeoutsDoNotOverflow() async {
        let result = await ProcessRunner().run(argv: ["true"], env: [:], timeoutMilliseconds: Int64.max)
        #expect(result.exitCode == 0)
        let evidence = await ProbeEvaluator().evaluate(
            .http(HTTPProbe(url: "http://127.0.0.1:1/", timeoutMilliseconds: Int64.max)), phase: .pre
        )
        #expect(!evidence.passed)
    }
}
