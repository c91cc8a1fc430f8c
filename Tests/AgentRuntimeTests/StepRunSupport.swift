import AgentCore
import BatonModel

@testable import AgentRuntime

/// Runs one assignment the way the agent does, without a coordinator: `AgentCore` decides, and real
/// probes (`ProbeEvaluator`) and real processes (`ActionExecution`) carry out its effects.
enum LocalStep {
    struct NoReport: Error, CustomStringConvertible {
        var description: String { "the core finished without sending a report" }
    }

    static func run(_ assignment: Assignment, runner: ProcessRunner = ProcessRunner()) async throws -> StepReport {
        let probes = ProbeEvaluator(runner: runner)
        var core = AgentCore()
        var clock: Int64 = 0
        func now() -> Instant {
            clock += 1
            return Instant(millisecondsSinceEpoch: clock)
        }
        var pending = core.handle(.assignmentReceived(assignment, now: now()))
        while !pending.isEmpty {
            switch pending.removeFirst() {
            case .evaluateProbes(let key, let phase, let list):
                let evidence = await probes.evaluate(list, phase: phase)
                pending += core.handle(.probesEvaluated(key, phase, evidence, now: now()))
            case .runAction(let key, let action, let timeout):
                let result = await ActionExecution.run(action, timeoutMilliseconds: timeout, runner: runner)
                pending += core.handle(.actionFinished(key, result, now: now()))
            case .send(let report):
                return report
            default:
                continue
            }
        }
        throw NoReport()
    }

    static func assignment(
        pre: [Probe] = [], run argv: [String]?, post: [Probe] = [], outputs: [OutputSpec] = [],
        timeoutMilliseconds: Int64 = 10_000
    ) -> Assignment {
        Assignment(
            runID: "r-local", stepID: "step", attempt: 1, epoch: 1, pre: pre, action: argv.map { Action(argv: $0) },
            post: post, timeoutMilliseconds: timeoutMilliseconds, outputs: outputs)
    }
}
