import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// Process probes against a real child process, and `retry_for` polling against a file that
/// appears late (and one that never does).
@Suite struct ProcessAndRetryProbeTests {
    let evaluator = ProbeEvaluator()

    /// A child process started with posix_spawn; `stop()` kills and reaps it.
    final class Child: @unchecked Sendable {
        let pid: pid_t
        private(set) var isRunning = true

        init(path: String, arguments: [String]) throws {
            var pid: pid_t = 0
            let argv = ([path] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let status = posix_spawn(&pid, path, nil, nil, argv, environ)
            guard status == 0 else { throw SocketError(description: "posix_spawn failed: \(status)") }
            self.pid = pid
        }

        func stop() {
            guard isRunning else { return }
            isRunning = false
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
    }

    /// Starts `sleep 30` under a unique name (through a symlink to the sleep binary: the kernel names
    /// the process after the path it executed), so `/proc/PID/comm` is that name and no other process
    /// on the host can match it. A symlink, not a copy: a copy's write descriptor could leak into a
    /// process forked meanwhile by another test and make exec fail with ETXTBSY.
    func startSleeper(in dir: ExecTestDirectory) throws -> (process: Child, name: String) {
        let name = "btsl" + String(UInt32.random(in: 100_000...999_999))
        let copy = dir.file(name)
        let sleep = ["/bin/sleep", "/usr/bin/sleep"].first { FileManager.default.isExecutableFile(atPath: $0) }
        try FileManager.default.createSymbolicLink(atPath: copy, withDestinationPath: try #require(sleep))
        return (try Child(path: copy, arguments: ["30"]), name)
    }

    @Test func processByNameWhileRunningAndAfterItStops() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let (child, name) = try startSleeper(in: dir)
        defer { child.stop() }
        // The child runs under its own name once exec has happened.
        #expect(await pollUntil { !ProbeEvaluator.processes(named: name).isEmpty })

        let running = await evaluator.evaluate(.process(ProcessProbe(target: .name(name))), phase: .pre)
        #expect(running.passed)
        #expect(running.probe == "process name \(name)")
        #expect(running.expected == "running")
        #expect(running.observed == "running (pid \(child.pid))")
        let notRunning = await evaluator.evaluate(.process(ProcessProbe(target: .name(name), running: false)), phase: .pre)
        #expect(!notRunning.passed)

        child.stop()
        let gone = await evaluator.evaluate(.process(ProcessProbe(target: .name(name), running: false)), phase: .post)
        #expect(gone.passed)
        #expect(gone.observed == #"no running process named "\#(name)""#)
        #expect(!(await evaluator.evaluate(.process(ProcessProbe(target: .name(name))), phase: .post)).passed)
    }

    @Test func processByPidfile() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let (child, _) = try startSleeper(in: dir)
        defer { child.stop() }
        let pid = child.pid
        let pidfile = dir.file("app.pid")
        try "\(pid)\n".write(toFile: pidfile, atomically: false, encoding: .utf8)

        let alive = await evaluator.evaluate(.process(ProcessProbe(target: .pidfile(pidfile))), phase: .pre)
        #expect(alive.passed)
        #expect(alive.observed == "running (pid \(pid))")

        child.stop()
        let dead = await evaluator.evaluate(.process(ProcessProbe(target: .pidfile(pidfile))), phase: .post)
        #expect(!dead.passed)
        #expect(dead.observed == "not running (pid \(pid) is gone)")
        let stopped = await evaluator.evaluate(.process(ProcessProbe(target: .pidfile(pidfile), running: false)), phase: .post)
        #expect(stopped.passed)

        let missing = dir.file("none.pid")
        let noFile = await evaluator.evaluate(.process(ProcessProbe(target: .pidfile(missing), running: false)), phase: .post)
        #expect(noFile.passed)
        #expect(noFile.observed == "not running (no pidfile)")

        try "garbage".write(toFile: pidfile, atomically: false, encoding: .utf8)
        let garbage = await evaluator.evaluate(.process(ProcessProbe(target: .pidfile(pidfile))), phase: .post)
        #expect(!garbage.passed)
        #expect(garbage.observed == #"the pidfile holds no pid: "garbage""#)
    }

    /// `(after N tries in S s)` at the end of `observed`, as numbers.
    func tries(_ observed: String) -> (count: Int, seconds: Double)? {
        guard let match = observed.firstMatch(of: /\(after (\d+) tr(?:y|ies) in (\d+\.\d) s\)$/) else { return nil }
        guard let count = Int(match.1), let seconds = Double(match.2) else { return nil }
        return (count, seconds)
    }

    @Test func retryForPassesOnALaterTryWhenTheFileAppears() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let path = dir.file("replica.ready")
        let writer = Task.detached {
            try await Task.sleep(nanoseconds: 700_000_000)
            try "ready".write(toFile: path, atomically: true, encoding: .utf8)
        }
        let probe = FileProbe(path: path, contains: "ready", retry: ProbeRetry(forMilliseconds: 10_000))
        let evidence = await evaluator.evaluate(.file(probe), phase: .post)
        try await writer.value
        #expect(evidence.passed)
        #expect(evidence.expected == #"exists, contains "ready" within 10.0 s"#)
        #expect(evidence.observed.hasPrefix(#"exists (5 bytes), contains "ready" (after "#))
        let seen = try #require(tries(evidence.observed))
        // Tries at about 0, 0.5 and 1.0 s: the file appeared at 0.7 s.
        #expect((2...4).contains(seen.count))
        #expect(seen.seconds >= 0.6 && seen.seconds < 3)
    }

    @Test func retryForGivesUpWithTheTryCount() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let probe = FileProbe(path: dir.file("never"), retry: ProbeRetry(forMilliseconds: 1_000, intervalMilliseconds: 300))
        let started = Date()
        let evidence = await evaluator.evaluate(.file(probe), phase: .post)
        let took = Date().timeIntervalSince(started)
        #expect(!evidence.passed)
        #expect(evidence.expected == "exists within 1.0 s")
        #expect(evidence.observed.hasPrefix("absent (after "))
        let seen = try #require(tries(evidence.observed))
        // Tries at about 0, 0.3, 0.6, 0.9 and (the last, at the deadline) 1.0 s; a loaded machine may
        // fit fewer in, but never one (the deadline try always happens).
        #expect((2...5).contains(seen.count))
        #expect(seen.seconds >= 0.9 && seen.seconds < 2)
        #expect(took >= 0.9 && took < 3)
    }

    @Test func aPassingProbeWithRetryTakesOneTry() async throws {
        let probe = CommandProbe(argv: ["true"], retry: ProbeRetry(forMilliseconds: 5_000))
        let evidence = await evaluator.evaluate(.command(probe), phase: .pre)
        #expect(evidence.passed)
        #expect(evidence.observed == "exit code 0 (after 1 try in 0.0 s)")
    }
}
