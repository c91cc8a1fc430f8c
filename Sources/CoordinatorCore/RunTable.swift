import BatonModel

/// Every run known to the coordinator, rebuilt by applying journal records in order.
/// Shared by the scheduler (which writes records) and the shell's durable view (which applies
/// only records already on disk).
public struct RunTable: Hashable, Sendable {
    public private(set) var runs: [RunID: RunState] = [:]
    /// Runs in the order they started.
    public private(set) var order: [RunID] = []

    public init() {}

    public subscript(runID: RunID) -> RunState? { runs[runID] }

    public var all: [RunState] { order.compactMap { runs[$0] } }

    /// How many steps each agent has in flight (dispatched, no report yet) in unfinished runs.
    public func stepsInFlight() -> [AgentIdentity: Int] {
        var load: [AgentIdentity: Int] = [:]
        for run in runs.values where !run.phase.isFinished {
            for agent in run.inFlight.values { load[agent, default: 0] += 1 }
        }
        return load
    }

    public mutating func apply(_ record: JournalRecord) {
        if case .runStarted(let incident, let plan, let startedBy) = record.event {
            guard runs[record.runID] == nil else { return }
            runs[record.runID] = RunState(
                runID: record.runID, startedAt: record.at, incident: incident, plan: plan, startedBy: startedBy)
            order.append(record.runID)
        } else {
            runs[record.runID]?.apply(record)
        }
    }
}
