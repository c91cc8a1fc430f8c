import AgentCore
import BatonModel
import CoordinatorCore

/// Short, stable one-line descriptions for the trace (they are hashed: keep them deterministic).
enum Describe {
    static func record(_ record: JournalRecord) -> String {
        let run = record.runID.rawValue
        switch record.event {
        case .runStarted(_, let plan, _):
            return "\(run) run-started \(plan.playbookName) (\(plan.steps.count) steps)"
        case .stepWaiting(let step, _):
            return "\(run) step-waiting \(step)"
        case .stepDispatched(let step, let attempt, let agent):
            return "\(run) step-dispatched \(step)#\(attempt) -> \(agent)"
        case .stepReported(let step, let agent, let report):
            return "\(run) step-reported \(step)#\(report.attempt) \(report.outcome.rawValue) from \(agent)"
        case .stepRetryScheduled(let step, let next, let notBefore, _):
            return "\(run) step-retry-scheduled \(step)#\(next) not before \(notBefore.millisecondsSinceEpoch)"
        case .stepLeaseExpired(let step, let attempt, let agent, _):
            return "\(run) step-lease-expired \(step)#\(attempt) on \(agent)"
        case .stepReconciled(let step, let attempt, let agent, let finding):
            return "\(run) step-reconciled \(step)#\(attempt) on \(agent): \(finding.rawValue)"
        case .runBlocked(let step, _):
            return "\(run) run-blocked on \(step)"
        case .runFinished(let phase, let reason):
            return "\(run) run-finished \(phase.rawValue): \(reason)"
        default:
            return "\(run) \(record.event.kind) \(record.event.stepID?.rawValue ?? "")"
        }
    }

    static func coordinatorEvent(_ event: CoordinatorCore.Event) -> String {
        switch event {
        case .runRequested(let runID, _, let plan, _, _): return "runRequested \(runID) \(plan.playbookName)"
        case .agentConnected(let agent, _, _): return "agentConnected \(agent)"
        case .agentDisconnected(let agent, _): return "agentDisconnected \(agent)"
        case .agentHeard(let agent, _): return "agentHeard \(agent)"
        case .reportReceived(let report, let agent, _): return "reportReceived \(report.key) \(report.outcome.rawValue) from \(agent)"
        case .reconciled(let agent, let states, _): return "reconciled \(agent) \(attemptStates(states))"
        case .tick: return "tick"
        case .operatorCompletedStep(let runID, let step, let operatorName, _, _):
            return "operatorCompletedStep \(runID)/\(step) by \(operatorName)"
        case .operatorDecided(let runID, let step, let vote, _):
            return "operatorDecided \(runID)/\(step) \(vote.decision.rawValue) by \(vote.approver)"
        case .operatorOverrode(let runID, let step, let override, _):
            return "operatorOverrode \(runID)/\(step) \(override.kind.rawValue) by \(override.principal)"
        case .operatorControlled(let runID, let command, let principal, _):
            return "operatorControlled \(runID) \(command.name) by \(principal)"
        }
    }

    static func coordinatorEffect(_ effect: CoordinatorCore.Effect) -> String {
        switch effect {
        case .journal(let record): return "journal \(Self.record(record))"
        case .assign(let agent, let assignment): return "assign \(assignment.key) (epoch \(assignment.epoch)) -> \(agent)"
        case .reconcile(let agent, let keys): return "reconcile \(agent) \(keys.map(\.description).joined(separator: ","))"
        case .acknowledge(let agent, let key): return "ack \(key) -> \(agent)"
        case .refuseReport(let agent, let key, let reason): return "refuse report \(key) from \(agent): \(reason)"
        case .refuseCommand(let reason): return "refuse command: \(reason)"
        case .cancel(let agent, let request): return "cancel \(request.key) -> \(agent)"
        }
    }

    static func agentEvent(_ event: AgentCore.Event) -> String {
        switch event {
        case .welcomed(let epoch): return "welcomed epoch \(epoch)"
        case .assignmentReceived(let assignment, _): return "assignment \(assignment.key) epoch \(assignment.epoch)"
        case .probesEvaluated(let key, let phase, let evidence, _):
            return "probes \(phase.rawValue) \(key) \(evidence.allSatisfy(\.passed) ? "pass" : "fail")"
        case .actionFinished(let key, let result, _):
            return "action finished \(key) exit \(result.exitCode.map { "\($0)" } ?? "none")\(result.timedOut ? " timed out" : "")"
        case .reportAcknowledged(let key): return "ack \(key)"
        case .abandoned(let key, _): return "abandoned \(key)"
        case .reconcileRequested(let keys): return "reconcile? \(keys.map(\.description).joined(separator: ","))"
        case .cancelRequested(let request, _): return "cancel? \(request.key)"
        }
    }

    static func agentEffect(_ effect: AgentCore.Effect) -> String {
        switch effect {
        case .recordAccepted(let assignment): return "journal accepted \(assignment.key)"
        case .evaluateProbes(let key, let phase, let probes): return "evaluate \(probes.count) \(phase.rawValue) probe(s) \(key)"
        case .runAction(let key, _, let timeout): return "run action \(key) (timeout \(timeout) ms)"
        case .record(let report): return "journal completed \(report.key) \(report.outcome.rawValue)"
        case .send(let report): return "send report \(report.key) \(report.outcome.rawValue)"
        case .forget(let key): return "journal acknowledged \(key)"
        case .refuse(let key, let reason): return "refuse \(key): \(reason)"
        case .reconcileReply(let states): return "reconcile reply \(attemptStates(states))"
        case .killProcessGroup(let group): return "kill process group \(group)"
        case .stop(let key): return "stop \(key)"
        }
    }

    static func attemptStates(_ states: [AttemptKey: AttemptState]) -> String {
        let parts = states.sorted { $0.key.description < $1.key.description }.map { key, state -> String in
            switch state {
            case .notFound: return "\(key)=not-found"
            case .running: return "\(key)=running"
            case .completed(let report): return "\(key)=\(report.outcome.rawValue)"
            }
        }
        return "[" + parts.joined(separator: ",") + "]"
    }

    static func toAgent(_ message: ToAgent) -> String {
        switch message {
        case .assignment(let assignment): return "assignment \(assignment.key)"
        case .acknowledge(let key): return "ack \(key)"
        case .reconcile(let keys): return "reconcile? \(keys.map(\.description).joined(separator: ","))"
        case .cancel(let request): return "cancel \(request.key)"
        }
    }

    static func toCoordinator(_ message: ToCoordinator) -> String {
        switch message {
        case .report(let report): return "report \(report.key) \(report.outcome.rawValue)"
        case .reconcileReply(let states): return "reconcile reply \(attemptStates(states))"
        case .heartbeat: return "heartbeat"
        }
    }
}
