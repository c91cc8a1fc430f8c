import BatonModel
import BatonWire
import Glibc

/// Runs actions and command probes as child processes.
///
/// Each process is started with `posix_spawn` in argv form (never through a shell), leads its own
/// process group, reads stdin from /dev/null, and has its stdout/stderr tails captured. On timeout
/// the whole group gets SIGTERM, then SIGKILL after `killGraceMilliseconds`. The blocking work
/// (`waitpid`, pipe reads) happens on dedicated threads, never on Swift's cooperative pool.
public final class ProcessRunner: Sendable {
    /// How long a group has between SIGTERM and SIGKILL.
    public let killGraceMilliseconds: Int64
    /// How long output is still collected after the process exited, while something else it
    /// started (a background child) keeps the pipes open.
    public let drainGraceMilliseconds: Int64

    private let running = ExecLocked<[pid_t: ProcessSupervisor]>([:])

    public init(killGraceMilliseconds: Int64 = 2_000, drainGraceMilliseconds: Int64 = 500) {
        self.killGraceMilliseconds = min(max(0, killGraceMilliseconds), 86_400_000)
        self.drainGraceMilliseconds = min(max(0, drainGraceMilliseconds), 86_400_000)
    }

    /// Runs `argv` with the agent's environment overlaid with `env`.
    ///
    /// - Parameters:
    ///   - timeoutMilliseconds: after this the process group is killed and `timedOut` is set;
    ///     zero or negative means no timeout.
    ///   - outputCapBytes: how many trailing bytes of stdout and of stderr are kept.
    ///   - stdoutCapBytes: how many trailing bytes of stdout are kept, when not `outputCapBytes`.
    /// - Returns: the result; a process that cannot be started yields `spawnError`, never a crash.
    ///   Cancelling the calling task stops the process group like `terminateAll()`.
    public func run(
        argv: [String], env: [String: String], timeoutMilliseconds: Int64, outputCapBytes: Int = 64 * 1024,
        stdoutCapBytes: Int? = nil, onSpawn: (@Sendable (Int32) -> Void)? = nil
    ) async -> ProcessResult {
        let startedAt = WallClock.now()
        let spawned: SpawnedProcess
        switch Spawn.start(argv: argv, environment: Spawn.mergedEnvironment(overlay: env)) {
        case .success(let process):
            spawned = process
            onSpawn?(process.pid)
        case .failure(let failure):
            return ProcessResult(spawnError: failure.message, startedAt: startedAt, finishedAt: WallClock.now())
        }
        let limits = ProcessSupervisor.Limits(
            timeoutMilliseconds: timeoutMilliseconds, killGraceMilliseconds: killGraceMilliseconds,
            drainGraceMilliseconds: drainGraceMilliseconds, outputCapBytes: outputCapBytes,
            stdoutCapBytes: stdoutCapBytes ?? outputCapBytes
        )
        guard let supervisor = ProcessSupervisor(process: spawned, limits: limits) else {
            // No descriptors left for the wake pipe: do not leave the child running unsupervised.
            _ = kill(-spawned.pid, SIGKILL)
            close(spawned.stdoutFD)
            close(spawned.stderrFD)
            var status: Int32 = 0
            while waitpid(spawned.pid, &status, 0) < 0, errno == EINTR {}
            return ProcessResult(
                pid: spawned.pid, spawnError: "cannot supervise process: \(SystemError.text(errno))", startedAt: startedAt,
                finishedAt: WallClock.now()
            )
        }
        running.withLock { $0[spawned.pid] = supervisor }

        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ProcessSupervisor.Outcome, Never>) in
                supervisor.start(
                    beforeReap: { [running] in running.withLock { _ = $0.removeValue(forKey: spawned.pid) } },
                    completion: { continuation.resume(returning: $0) }
                )
            }
        } onCancel: {
            supervisor.requestTermination()
        }

        let (exitCode, signal) = outcome.exitCodeAndSignal
        return ProcessResult(
            pid: spawned.pid, exitCode: exitCode, terminatingSignal: signal, timedOut: outcome.timedOut,
            terminated: outcome.terminated, stdout: outcome.stdout.text, stderr: outcome.stderr.text,
            stdoutTruncated: outcome.stdout.truncated, stderrTruncated: outcome.stderr.truncated,
            startedAt: startedAt, finishedAt: WallClock.now()
        )
    }

    /// Stops every running process group: SIGTERM now, SIGKILL after the grace (used on agent
    /// shutdown). Their `run` calls return with `terminated` set.
    public func terminateAll() {
        running.withLock { supervisors in
            for supervisor in supervisors.values {
                // Safe under the lock: a pid leaves the table before its child is reaped.
                // Mark first, then signal: the process may exit the moment it gets SIGTERM,
                // and its result must already say it was terminated.
                supervisor.requestTermination()
                supervisor.signalGroup(SIGTERM)
            }
        }
    }

    /// The pids (= process group ids) of the processes currently running.
    public var runningPIDs: [Int32] {
        running.withLock { Array($0.keys).sorted() }
    }
}
