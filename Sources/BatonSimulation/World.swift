import BatonModel

/// What really ran on the simulated hosts: one entry per action process, whoever started it.
/// An action keeps running when its agent crashes (it is in its own process group) until the
/// restarted agent kills the group, or it ends.
struct Execution: Sendable {
    enum State: Sendable { case running, finished, killed }

    var id: Int
    var key: AttemptKey
    var agent: AgentIdentity
    /// The agent's incarnation that started it (an agent restart makes it an orphan).
    var incarnation: Int
    var processGroup: Int32
    var startedAt: Int64
    var endsAt: Int64
    var result: ActionResultPlan
    var state: State = .running
}

/// The drawn fate of one action execution.
struct ActionResultPlan: Sendable {
    var exitCode: Int32?
    var timedOut: Bool
    var postconditionsHold: Bool
}

struct StepRef: Hashable, Sendable {
    var runID: RunID
    var stepID: StepID
}

struct World {
    private(set) var executions: [Execution] = []
    private var byAttempt: [AttemptKey: Int] = [:]
    private var byStep: [StepRef: [Int]] = [:]
    /// Attempts whose agent recorded a definite `failed` report.
    private var definiteFailures: Set<AttemptKey> = []

    /// The agent recorded a report (so a failed one is a definite failure).
    mutating func recorded(_ report: StepReport) {
        if report.outcome == .failed { definiteFailures.insert(report.key) }
    }

    func execution(_ id: Int) -> Execution { executions[id] }

    /// The execution of this attempt, if it ran.
    func execution(of key: AttemptKey) -> Execution? { byAttempt[key].map { executions[$0] } }

    /// How many times any attempt of the step executed.
    func executionCount(runID: RunID, stepID: StepID) -> Int { byStep[StepRef(runID: runID, stepID: stepID)]?.count ?? 0 }

    /// Starts an execution, after checking invariants (2) and (6).
    mutating func start(
        _ key: AttemptKey, on agent: AgentIdentity, incarnation: Int, idempotent: Bool, now: Int64, endsAt: Int64,
        result: ActionResultPlan
    ) -> (id: Int, finding: Finding?) {
        let ref = StepRef(runID: key.runID, stepID: key.stepID)
        let earlier = (byStep[ref] ?? []).map { executions[$0] }
        var finding: Finding?
        if let first = byAttempt[key].map({ executions[$0] }) {
            finding = Finding(
                .executeOnce, "\(key) executes again on \(agent); it already executed on \(first.agent) at t=\(first.startedAt)ms")
        } else if let live = earlier.first(where: { $0.state == .running }) {
            finding = Finding(
                .singleLiveAttempt,
                "\(key) starts on \(agent) while attempt \(live.key.attempt) is still running on \(live.agent) (since t=\(live.startedAt)ms)")
        } else if !idempotent, let doubtful = earlier.first(where: { !definiteFailures.contains($0.key) }) {
            finding = Finding(
                .executeOnce,
                "\(key) of a step that is not idempotent starts on \(agent) after attempt \(doubtful.key.attempt) "
                    + "(on \(doubtful.agent) at t=\(doubtful.startedAt)ms) executed without a definite failure")
        }
        let id = executions.count
        executions.append(
            Execution(
                id: id, key: key, agent: agent, incarnation: incarnation, processGroup: Int32(10_000 + id), startedAt: now,
                endsAt: endsAt, result: result))
        byAttempt[key] = id
        byStep[ref, default: []].append(id)
        return (id, finding)
    }

    /// The process ended on its own. Returns false if it was already over (killed).
    mutating func finish(_ id: Int) -> Bool {
        guard executions[id].state == .running else { return false }
        executions[id].state = .finished
        return true
    }

    /// `kill -KILL -group`: the running execution with that process group, if any, dies.
    mutating func kill(processGroup: Int32) -> Execution? {
        let id = Int(processGroup) - 10_000
        guard executions.indices.contains(id), executions[id].state == .running else { return nil }
        executions[id].state = .killed
        return executions[id]
    }
}
