import AgentCore
import BatonModel

/// Runs a step's action for `AgentCore`: argv form, never through a shell.
enum ActionExecution {
    /// How much of the action's stdout (its end) declared outputs can read.
    static let stdoutCaptureBytes = 1 << 20
    /// How much of stdout and of stderr (their ends) the report keeps.
    static let reportTailBytes = 64 * 1024

    static func run(
        _ action: Action, timeoutMilliseconds: Int64, runner: ProcessRunner,
        onSpawn: (@Sendable (Int32) -> Void)? = nil
    ) async -> ActionResult {
        let result = await runner.run(
            argv: action.argv, env: action.env, timeoutMilliseconds: timeoutMilliseconds,
            outputCapBytes: reportTailBytes, stdoutCapBytes: stdoutCaptureBytes, onSpawn: onSpawn)
        return ActionResult(
            exitCode: result.exitCode, terminatingSignal: result.terminatingSignal, timedOut: result.timedOut,
            spawnError: result.spawnError, stdoutTail: OutputTail.last(reportTailBytes, of: result.stdout),
            stderrTail: result.stderr, stdout: result.stdout, stdoutTruncated: result.stdoutTruncated)
    }
}
