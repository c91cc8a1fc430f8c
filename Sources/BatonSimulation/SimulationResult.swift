import BatonModel
import CoordinatorCore

/// Where one run ended (nil: never created).
public struct RunOutcome: Sendable, Hashable {
    public var runID: RunID
    public var phase: RunPhase?

    /// `succeeded`, `failed`, `blocked`, `running`, or `never-started`.
    public var phaseName: String { phase?.rawValue ?? "never-started" }
}

/// One action execution in the simulated world.
public struct ExecutionRecord: Sendable, Hashable {
    public var key: AttemptKey
    public var agent: AgentIdentity
    public var startedAt: Int64
    /// Killed (a left-over process group after an agent restart) rather than ended on its own.
    public var killed: Bool
}

/// What one simulation did and found.
public struct SimulationResult: Sendable {
    public var configuration: SimConfiguration
    public var events: Int
    public var simulatedMilliseconds: Int64
    public var runPhases: [RunOutcome]
    public var faults: FaultCounts
    public var violation: Violation?
    /// The fingerprint of the whole trace: the same seed always gives the same hash.
    public var traceHash: String
    /// The last lines of the trace.
    public var traceTail: [String]
    /// The event budget ran out before the end (no liveness verdict).
    public var budgetExhausted: Bool
    /// The coordinator's durable journal.
    public var journal: [JournalRecord]
    public var executions: [ExecutionRecord]

    public var passed: Bool { violation == nil }

    public func count(_ phase: RunPhase) -> Int { runPhases.filter { $0.phase == phase }.count }

    /// How many times the action of this step executed, over all attempts.
    public func executionCount(_ runID: RunID, _ stepID: StepID) -> Int {
        executions.filter { $0.key.runID == runID && $0.key.stepID == stepID }.count
    }

    /// The journal records of one run, as short kinds (`step-dispatched`).
    public func journalKinds(_ runID: RunID, step: StepID? = nil) -> [String] {
        journal.filter { $0.runID == runID && (step == nil || $0.event.stepID == step) }.map(\.event.kind)
    }

    /// How many journal records of each kind (`step-lease-expired`: 3), to see what a batch exercised.
    public var journalKindCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for record in journal {
            switch record.event {
            case .stepReconciled(_, _, _, let finding): counts["\(record.event.kind)-\(finding.rawValue)", default: 0] += 1
            case .stepReported(_, _, let report): counts["\(record.event.kind)-\(report.outcome.rawValue)", default: 0] += 1
            default: counts[record.event.kind, default: 0] += 1
            }
        }
        return counts
    }

    /// One line: seed, events, runs, faults, trace hash (and the violation, if any).
    public var summaryLine: String {
        let seconds = "\(simulatedMilliseconds / 1000).\(simulatedMilliseconds % 1000 / 100)"
        let ended = runPhases.filter { $0.phase != nil && $0.phase != .running }.count
        var line = "seed \(configuration.seed)\(configuration.swarm ? " swarm" : "")"
        if configuration.mutant != .none { line += " mutant \(configuration.mutant.rawValue)" }
        line += ": \(violation == nil ? (budgetExhausted ? "stopped (event budget)" : "ok") : "VIOLATION \(violation!.invariant.rawValue)")"
        line += ", \(events) events, \(seconds) s simulated"
        line += ", runs \(ended)/\(runPhases.count) finished (\(count(.succeeded)) succeeded, \(count(.failed)) failed, \(count(.blocked)) blocked)"
        line += ", faults \(faults), trace \(traceHash)"
        return line
    }

    /// The full failure report: the invariant, the trace tail, and the replay command.
    public var failureReport: String {
        guard let violation else { return summaryLine }
        var lines = [summaryLine, "", violation.description, "", "last \(traceTail.count) trace lines:"]
        lines += traceTail.map { "  \($0)" }
        lines += ["", "replay: \(configuration.replayCommand)"]
        return lines.joined(separator: "\n")
    }
}
