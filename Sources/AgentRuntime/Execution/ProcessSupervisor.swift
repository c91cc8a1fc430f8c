import Foundation
import Glibc

/// Watches one spawned process on two dedicated threads (never the cooperative pool):
/// a waiter blocked in `waitid(WNOWAIT)` and a supervisor that polls the output pipes, enforces
/// the timeout and finally reaps the child.
///
/// The child is only reaped at the very end, so its pid stays reserved and `kill(-pgid, …)`
/// can never hit an unrelated process group while the supervision runs.
final class ProcessSupervisor: Sendable {
    struct Limits: Sendable {
        var timeoutMilliseconds: Int64
        var killGraceMilliseconds: Int64
        var drainGraceMilliseconds: Int64
        /// Trailing bytes of stderr kept.
        var outputCapBytes: Int
        /// Trailing bytes of stdout kept.
        var stdoutCapBytes: Int
    }

    struct Outcome: Sendable {
        var waitStatus: Int32
        var timedOut: Bool
        var terminated: Bool
        var stdout: OutputTail
        var stderr: OutputTail
    }

    private struct Flags {
        var exited = false
        var terminationRequested = false
        var wakeClosed = false
    }

    let process: SpawnedProcess
    private let limits: Limits
    private let flags = ExecLocked(Flags())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init?(process: SpawnedProcess, limits: Limits) {
        guard let wake = Spawn.makeLockedPipe(nonBlockingWrite: true) else { return nil }
        self.process = process
        self.limits = limits
        wakeRead = wake.read
        wakeWrite = wake.write
    }

    var pid: pid_t { process.pid }

    /// Sends `signal` to the whole process group. Only valid before the child is reaped.
    func signalGroup(_ signal: Int32) {
        _ = kill(-process.pid, signal)
    }

    /// Asks the supervisor to stop the process group (SIGTERM, then SIGKILL after the grace).
    func requestTermination() {
        flags.withLock { state in
            state.terminationRequested = true
            wakeLocked(state)
        }
    }

    /// Starts both threads. `beforeReap` runs just before the child is reaped (the registry
    /// forgets the pid there); `completion` runs once, on the supervisor thread.
    func start(beforeReap: @escaping @Sendable () -> Void, completion: @escaping @Sendable (Outcome) -> Void) {
        let waiter = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(process.pid), &info, WEXITED | WNOWAIT) != 0 {
                if errno != EINTR { break }
            }
            flags.withLock { state in
                state.exited = true
                wakeLocked(state)
            }
        }
        waiter.name = "baton-wait-\(process.pid)"
        waiter.start()
        let supervisor = Thread { [self] in
            var outcome = supervise()
            beforeReap()
            flags.withLock { state in
                state.wakeClosed = true
                close(wakeRead)
                close(wakeWrite)
            }
            var status: Int32 = 0
            while waitpid(process.pid, &status, 0) < 0 {
                // Reaped elsewhere (ECHILD): the status is unknown, reported as neither code nor signal.
                if errno != EINTR {
                    status = -1
                    break
                }
            }
            outcome.waitStatus = status
            completion(outcome)
        }
        supervisor.name = "baton-supervise-\(process.pid)"
        supervisor.start()
    }

    private func wakeLocked(_ state: Flags) {
        guard !state.wakeClosed else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// The supervision loop; returns once the child has exited and its output is drained
    /// (or the drain grace ran out because something else still holds the pipes).
    private func supervise() -> Outcome {
        let deadline: Int64? =
            limits.timeoutMilliseconds > 0 ? ExecClock.deadline(afterMilliseconds: limits.timeoutMilliseconds) : nil
        var stdout = OutputTail(capacity: limits.stdoutCapBytes)
        var stderr = OutputTail(capacity: limits.outputCapBytes)
        var outFD: Int32? = process.stdoutFD
        var errFD: Int32? = process.stderrFD
        var termSentAt: Int64?
        var killSent = false
        var exitedAt: Int64?
        var timedOut = false
        var terminated = false
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)

        while true {
            let now = ExecClock.monotonicMilliseconds()
            let (exited, terminationRequested) = flags.withLock { ($0.exited, $0.terminationRequested) }
            if exited, exitedAt == nil { exitedAt = now }
            if termSentAt == nil {
                if exitedAt == nil, let deadline, now >= deadline { timedOut = true }
                if terminationRequested, !timedOut { terminated = true }
                if timedOut || terminated {
                    if exitedAt == nil { signalGroup(SIGTERM) }
                    termSentAt = now
                }
            }
            // SIGKILL after the grace, or as soon as the leader is gone, so that nothing the
            // action started survives it.
            if let termSentAt, !killSent, exitedAt != nil || now >= termSentAt + limits.killGraceMilliseconds {
                signalGroup(SIGKILL)
                killSent = true
            }
            if exitedAt != nil, outFD == nil, errFD == nil { break }
            if let exitedAt, now >= exitedAt + limits.drainGraceMilliseconds { break }

            var wakeAt = Int64.max
            if exitedAt == nil, termSentAt == nil, let deadline { wakeAt = deadline }
            if let termSentAt, !killSent { wakeAt = min(wakeAt, termSentAt + limits.killGraceMilliseconds) }
            if let exitedAt { wakeAt = min(wakeAt, exitedAt + limits.drainGraceMilliseconds) }
            let timeout: Int32 = wakeAt == Int64.max ? -1 : ExecClock.pollTimeout(until: wakeAt)

            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if let outFD { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
            if let errFD { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                // Cannot supervise any more: make sure the group does not outlive us unwatched.
                signalGroup(SIGKILL)
                killSent = true
                break
            }
            for entry in fds where entry.revents != 0 {
                if entry.fd == wakeRead {
                    drain(wakeRead, into: &buffer)
                } else if entry.fd == outFD {
                    if !pump(entry.fd, into: &stdout, buffer: &buffer) { close(entry.fd); outFD = nil }
                } else if entry.fd == errFD {
                    if !pump(entry.fd, into: &stderr, buffer: &buffer) { close(entry.fd); errFD = nil }
                }
            }
        }
        if let outFD { close(outFD) }
        if let errFD { close(errFD) }
        if termSentAt != nil, !killSent { signalGroup(SIGKILL) }
        return Outcome(waitStatus: 0, timedOut: timedOut, terminated: terminated, stdout: stdout, stderr: stderr)
    }

    /// Reads everything available from `fd`; false once it reached end of file or failed.
    private func pump(_ fd: Int32, into tail: inout OutputTail, buffer: inout [UInt8]) -> Bool {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBytes { tail.append(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                continue
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return true
            default: return false
            }
        }
    }

    private func drain(_ fd: Int32, into buffer: inout [UInt8]) {
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    deinit {
        // Normally closed by the supervisor thread; covers a supervisor that was never started.
        flags.withLock { state in
            if !state.wakeClosed {
                close(wakeRead)
                close(wakeWrite)
            }
        }
    }
}

extension ProcessSupervisor.Outcome {
    /// Decodes the `waitpid` status into (exit code, terminating signal).
    var exitCodeAndSignal: (Int32?, Int32?) {
        let low = waitStatus & 0x7f
        if low == 0 { return ((waitStatus >> 8) & 0xff, nil) }
        if low != 0x7f { return (nil, low) }
        return (nil, nil)
    }
}
