import BatonModel

/// What happened to one process started by `ProcessRunner`.
public struct ProcessResult: Hashable, Sendable {
    /// The child's pid (also its process group id); nil when it never started.
    public var pid: Int32?
    /// The exit code; nil when the process was killed by a signal or never started.
    public var exitCode: Int32?
    /// The signal that ended the process, if one did.
    public var terminatingSignal: Int32?
    /// The timeout elapsed and the runner killed the process group.
    public var timedOut: Bool
    /// `terminateAll()` or task cancellation stopped the process group.
    public var terminated: Bool
    /// Why the process could not be started (`no such file: foo`); nil when it started.
    public var spawnError: String?
    /// The last `outputCapBytes` of stdout, lossy UTF-8.
    public var stdout: String
    /// The last `outputCapBytes` of stderr, lossy UTF-8.
    public var stderr: String
    /// True when stdout was longer than the cap (only its tail is kept).
    public var stdoutTruncated: Bool
    /// True when stderr was longer than the cap (only its tail is kept).
    public var stderrTruncated: Bool
    public var startedAt: Instant
    public var finishedAt: Instant

    public init(
        pid: Int32? = nil, exitCode: Int32? = nil, terminatingSignal: Int32? = nil, timedOut: Bool = false,
        terminated: Bool = false, spawnError: String? = nil, stdout: String = "", stderr: String = "",
        stdoutTruncated: Bool = false, stderrTruncated: Bool = false, startedAt: Instant, finishedAt: Instant
    ) {
        self.pid = pid
        self.exitCode = exitCode
        self.terminatingSignal = terminatingSignal
        self.timedOut = timedOut
        self.terminated = terminated
        self.spawnError = spawnError
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// How long the process ran, in milliseconds (wall clock).
    public var durationMilliseconds: Int64 { finishedAt.millisecondsSinceEpoch - startedAt.millisecondsSinceEpoch }

    /// One line saying how the process ended (`exit code 0`, `killed by signal 15 (SIGTERM)`,
    /// `timed out after 300 ms, killed by signal 15 (SIGTERM)`, `could not start: no such file: foo`).
    public var outcomeSummary: String {
        if let spawnError { return "could not start: \(spawnError)" }
        var parts: [String] = []
        if timedOut { parts.append("timed out after \(durationMilliseconds) ms") }
        if terminated { parts.append("terminated by the agent") }
        if let exitCode { parts.append("exit code \(exitCode)") }
        if let terminatingSignal { parts.append("killed by signal \(terminatingSignal)\(Self.signalName(terminatingSignal))") }
        return parts.joined(separator: ", ")
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: return " (SIGHUP)"
        case 2: return " (SIGINT)"
        case 6: return " (SIGABRT)"
        case 9: return " (SIGKILL)"
        case 11: return " (SIGSEGV)"
        case 13: return " (SIGPIPE)"
        case 15: return " (SIGTERM)"
        default: return ""
        }
    }
}
