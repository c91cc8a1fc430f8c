import BatonModel

/// What happened when the agent ran a step's action process.
public struct ActionResult: Hashable, Sendable {
    /// The exit code; nil when the process was killed by a signal or never started.
    public var exitCode: Int32?
    public var terminatingSignal: Int32?
    public var timedOut: Bool
    /// Why the process could not start (`no such file: restart-cache`), if it could not.
    public var spawnError: String?
    /// The end of stdout kept for the report.
    public var stdoutTail: String
    public var stderrTail: String
    /// Stdout as far as outputs read it: all of it, or its end when `stdoutTruncated`. Longer than
    /// `stdoutTail`; never journaled or reported.
    public var stdout: String
    /// True when stdout was longer than what `stdout` keeps.
    public var stdoutTruncated: Bool
    /// What the agent observed stopping a cancelled action (the process group's pids, signals, survivors).
    public var stopEvidence: [Evidence] = []

    /// `stdout` defaults to `stdoutTail` (for callers that keep only one).
    public init(
        exitCode: Int32?, terminatingSignal: Int32? = nil, timedOut: Bool = false, spawnError: String? = nil,
        stdoutTail: String = "", stderrTail: String = "", stdout: String? = nil, stdoutTruncated: Bool = false
    ) {
        self.exitCode = exitCode
        self.terminatingSignal = terminatingSignal
        self.timedOut = timedOut
        self.spawnError = spawnError
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.stdout = stdout ?? stdoutTail
        self.stdoutTruncated = stdoutTruncated
    }

    /// What failed and why, or nil when the action exited 0.
    func failure(timeoutMilliseconds: Int64) -> (kind: FailureKind, reason: String)? {
        if let spawnError { return (.action, "action could not start: \(spawnError)") }
        if timedOut {
            return (.timeout, "action timed out after \(Self.describe(milliseconds: timeoutMilliseconds)); its process group was killed")
        }
        if let terminatingSignal { return (.action, "action was killed by signal \(terminatingSignal)") }
        guard let exitCode else { return (.action, "action ended without an exit code") }
        return exitCode == 0 ? nil : (.action, "action exited with code \(exitCode)")
    }

    /// How the action ended, in a few words (`exit code 0`, `killed by signal 15`, `could not start: …`).
    public var summary: String {
        if let spawnError { return "could not start: \(spawnError)" }
        if let terminatingSignal { return "killed by signal \(terminatingSignal)" }
        return exitCode.map { "exit code \($0)" } ?? "no exit code"
    }

    /// How a cancelled action was stopped, from `stopEvidence` (or how it ended, without any).
    var stopSummary: String {
        let observed = stopEvidence.map(\.observed)
        return observed.isEmpty ? "the action \(summary)" : observed.joined(separator: "; ")
    }

    static func describe(milliseconds: Int64) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
