import BatonModel

/// What happened when the agent ran a step's action process.
public struct ActionResult: Hashable, Sendable {
    /// The exit code; nil when the process was killed by a signal or never started.
    public var exitCode: Int32?
    public var terminatingSignal: Int32?
    public var timedOut: Bool
    /// Why the process could not start (`no such file: restart-cache`), if it could not.
    public var spawnError: String?
    public var stdoutTail: String
    public var stderrTail: String

    public init(
        exitCode: Int32?, terminatingSignal: Int32? = nil, timedOut: Bool = false, spawnError: String? = nil,
        stdoutTail: String = "", stderrTail: String = ""
    ) {
        self.exitCode = exitCode
        self.terminatingSignal = terminatingSignal
        self.timedOut = timedOut
        self.spawnError = spawnError
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
    }

    /// Why the action counts as failed, or nil when it exited 0.
    func failureReason(timeoutMilliseconds: Int64) -> String? {
        if let spawnError { return "action could not start: \(spawnError)" }
        if timedOut { return "action timed out after \(Self.describe(milliseconds: timeoutMilliseconds)); its process group was killed" }
        if let terminatingSignal { return "action was killed by signal \(terminatingSignal)" }
        guard let exitCode else { return "action ended without an exit code" }
        return exitCode == 0 ? nil : "action exited with code \(exitCode)"
    }

    static func describe(milliseconds: Int64) -> String {
        milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }
}
