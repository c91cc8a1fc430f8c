import BatonModel

/// The agent's step runner: a pure state machine.
///
/// For each assignment: evaluate the preconditions, run the action, evaluate the postconditions,
/// then record and send a report with the evidence. Attempts are keyed by (run, step, attempt):
/// an assignment delivered again never runs again; the stored report is sent instead.
public struct AgentCore: Sendable {
    public enum Event: Sendable {
        /// The coordinator welcomed this session with its epoch.
        case welcomed(epoch: UInt64)
        case assignmentReceived(Assignment, now: Instant)
        case probesEvaluated(AttemptKey, ProbePhase, [Evidence], now: Instant)
        case actionFinished(AttemptKey, ActionResult, now: Instant)
        /// The coordinator journaled the report; it can leave the outbox.
        case reportAcknowledged(AttemptKey)
        /// The coordinator asks what became of these attempts.
        case reconcileRequested([AttemptKey])
        /// The agent is shutting down and gave up on this attempt; its action was stopped mid-way.
        case abandoned(AttemptKey, now: Instant)
        /// The coordinator asks to stop an attempt (its run was aborted).
        case cancelRequested(CancelRequest, now: Instant)
    }

    public enum Effect: Hashable, Sendable {
        /// Journal the assignment durably before anything runs for it.
        case recordAccepted(Assignment)
        case evaluateProbes(AttemptKey, ProbePhase, [Probe])
        case runAction(AttemptKey, Action, timeoutMilliseconds: Int64)
        /// Keep the report until it is acknowledged (the outbox). Done before `.send`.
        case record(StepReport)
        case send(StepReport)
        /// The report left the outbox.
        case forget(AttemptKey)
        /// The assignment was refused (stale epoch, …); nothing ran.
        case refuse(AttemptKey, reason: String)
        /// Answer a reconciliation query.
        case reconcileReply([AttemptKey: AttemptState])
        /// Kill a process group left over from before a restart.
        case killProcessGroup(Int32)
        /// Stop the attempt's work: its action's process group (SIGTERM, then SIGKILL after the grace) or
        /// its probes. A stopped action still ends in `actionFinished`.
        case stop(AttemptKey)
    }

    enum Attempt: Sendable {
        case checkingPreconditions(Assignment, startedAt: Instant)
        case running(Assignment, startedAt: Instant, evidence: [Evidence])
        case checkingPostconditions(Assignment, startedAt: Instant, evidence: [Evidence], result: ActionResult?)
        case done(StepReport)
    }

    var attempts: [AttemptKey: Attempt] = [:]
    /// Reports recorded but not yet acknowledged, oldest first.
    public private(set) var outbox: [StepReport] = []
    /// The highest coordinator epoch seen; assignments from older epochs are refused.
    public private(set) var epoch: UInt64 = 0
    /// Actions being stopped because the coordinator cancelled them, with why.
    var cancelling: [AttemptKey: String] = [:]

    public init() {}

    /// Attempts started but not yet reported.
    public var inFlight: [AttemptKey] {
        attempts.compactMap { key, attempt in
            if case .done = attempt { return nil }
            return key
        }.sorted { $0.description < $1.description }
    }

    public mutating func handle(_ event: Event) -> [Effect] {
        switch event {
        case .welcomed(let epoch):
            self.epoch = max(self.epoch, epoch)
            return []
        case .assignmentReceived(let assignment, let now):
            return receive(assignment, now: now)
        case .probesEvaluated(let key, let phase, let evidence, let now):
            return probesEvaluated(key, phase, evidence, now: now)
        case .actionFinished(let key, let result, let now):
            return actionFinished(key, result, now: now)
        case .reportAcknowledged(let key):
            guard outbox.contains(where: { $0.key == key }) else { return [] }
            outbox.removeAll { $0.key == key }
            return [.forget(key)]
        case .abandoned(let key, let now):
            let assignment: Assignment
            let startedAt: Instant
            switch attempts[key] {
            case .checkingPreconditions(let a, let s)?: (assignment, startedAt) = (a, s)
            case .running(let a, let s, _)?: (assignment, startedAt) = (a, s)
            case .checkingPostconditions(let a, let s, _, _)?: (assignment, startedAt) = (a, s)
            case .done?, nil: return []
            }
            return finish(
                assignment, startedAt: startedAt,
                .unknown("abandoned: the agent shut down while the attempt ran; whether its action took effect is unknown"),
                evidence: [], result: nil, now: now)
        case .cancelRequested(let request, let now):
            return cancel(request, now: now)
        case .reconcileRequested(let keys):
            var states: [AttemptKey: AttemptState] = [:]
            for key in keys {
                switch attempts[key] {
                case .done(let report)?: states[key] = .completed(report)
                case .some: states[key] = .running
                case nil: states[key] = .notFound
                }
            }
            return [.reconcileReply(states)]
        }
    }

    /// Rebuilds the agent from its journal after a restart. Attempts accepted but never completed
    /// were cut short: their leftover process groups are killed and they are reported `unknown`.
    public mutating func recover(_ entries: [AgentJournalEntry], now: Instant) -> [Effect] {
        var acceptedOrder: [AttemptKey] = []
        var processGroups: [AttemptKey: Int32] = [:]
        for entry in entries {
            switch entry {
            case .accepted(let assignment):
                if !acceptedOrder.contains(assignment.key) { acceptedOrder.append(assignment.key) }
                epoch = max(epoch, assignment.epoch)
            case .started(let key, let group):
                processGroups[key] = group
            case .completed(let report):
                attempts[report.key] = .done(report)
                outbox.removeAll { $0.key == report.key }
                outbox.append(report)
            case .acknowledged(let key):
                outbox.removeAll { $0.key == key }
            }
        }
        var effects: [Effect] = []
        for key in acceptedOrder where attempts[key] == nil {
            if let group = processGroups[key] { effects.append(.killProcessGroup(group)) }
            let report = StepReport(
                runID: key.runID, stepID: key.stepID, attempt: key.attempt, outcome: .unknown,
                reason: "the agent stopped while this attempt was running; whether its action took effect is unknown",
                startedAt: now, finishedAt: now)
            attempts[key] = .done(report)
            outbox.append(report)
            effects.append(.record(report))
        }
        return effects
    }

    private mutating func receive(_ assignment: Assignment, now: Instant) -> [Effect] {
        let key = assignment.key
        if assignment.epoch < epoch {
            return [.refuse(key, reason: "assignment from epoch \(assignment.epoch), older than epoch \(epoch)")]
        }
        switch attempts[key] {
        case .done(let report):
            return [.send(report)]
        case .some:
            return []
        case nil:
            break
        }
        epoch = max(epoch, assignment.epoch)
        if assignment.pre.isEmpty {
            return [.recordAccepted(assignment)] + start(assignment, startedAt: now, evidence: [], now: now)
        }
        attempts[key] = .checkingPreconditions(assignment, startedAt: now)
        return [.recordAccepted(assignment), .evaluateProbes(key, .pre, assignment.pre)]
    }

    private mutating func probesEvaluated(
        _ key: AttemptKey, _ phase: ProbePhase, _ evidence: [Evidence], now: Instant
    ) -> [Effect] {
        switch (attempts[key], phase) {
        case (.checkingPreconditions(let assignment, let startedAt), .pre):
            if let failed = evidence.first(where: { !$0.passed }) {
                return finish(
                    assignment, startedAt: startedAt,
                    .failed(
                        .precondition,
                        "precondition failed: \(failed.probe): expected \(failed.expected), observed \(failed.observed)"),
                    evidence: evidence, result: nil, now: now)
            }
            return start(assignment, startedAt: startedAt, evidence: evidence, now: now)
        case (.checkingPostconditions(let assignment, let startedAt, let earlier, let result), .post):
            let all = earlier + evidence
            if let failed = evidence.first(where: { !$0.passed }) {
                return finish(
                    assignment, startedAt: startedAt,
                    .failed(
                        .postcondition,
                        "postcondition failed: \(failed.probe): expected \(failed.expected), observed \(failed.observed)"),
                    evidence: all, result: result, now: now)
            }
            return succeed(assignment, startedAt: startedAt, evidence: all, result: result, now: now)
        default:
            return []
        }
    }

    private mutating func start(_ assignment: Assignment, startedAt: Instant, evidence: [Evidence], now: Instant) -> [Effect] {
        if let action = assignment.action {
            attempts[assignment.key] = .running(assignment, startedAt: startedAt, evidence: evidence)
            return [.runAction(assignment.key, action, timeoutMilliseconds: assignment.timeoutMilliseconds)]
        }
        return checkPostconditions(assignment, startedAt: startedAt, evidence: evidence, result: nil, now: now)
    }

    private mutating func actionFinished(_ key: AttemptKey, _ result: ActionResult, now: Instant) -> [Effect] {
        guard case .running(let assignment, let startedAt, let evidence) = attempts[key] else { return [] }
        if let reason = cancelling.removeValue(forKey: key) {
            let how = result.stopSummary
            return finish(
                assignment, startedAt: startedAt, .failed(.cancelled, "cancelled: \(reason); \(how)"),
                evidence: evidence + result.stopEvidence, result: result, now: now)
        }
        if let failure = result.failure(timeoutMilliseconds: assignment.timeoutMilliseconds) {
            return finish(
                assignment, startedAt: startedAt, .failed(failure.kind, failure.reason), evidence: evidence, result: result,
                now: now)
        }
        return checkPostconditions(assignment, startedAt: startedAt, evidence: evidence, result: result, now: now)
    }

    private mutating func checkPostconditions(
        _ assignment: Assignment, startedAt: Instant, evidence: [Evidence], result: ActionResult?, now: Instant
    ) -> [Effect] {
        if assignment.post.isEmpty {
            return succeed(assignment, startedAt: startedAt, evidence: evidence, result: result, now: now)
        }
        attempts[assignment.key] = .checkingPostconditions(
            assignment, startedAt: startedAt, evidence: evidence, result: result)
        return [.evaluateProbes(assignment.key, .post, assignment.post)]
    }

    /// The action and postconditions succeeded: the attempt is verified once its outputs are extracted.
    private mutating func succeed(
        _ assignment: Assignment, startedAt: Instant, evidence: [Evidence], result: ActionResult?, now: Instant
    ) -> [Effect] {
        let verdict: Verdict
        switch OutputExtraction.extract(assignment.outputs, result: result, evidence: evidence) {
        case .values(let outputs): verdict = .verified(outputs)
        case .failed(let reason): verdict = .failed(.output, reason)
        }
        return finish(assignment, startedAt: startedAt, verdict, evidence: evidence, result: result, now: now)
    }

    enum Verdict {
        case verified([String: String])
        case failed(FailureKind, String)
        case unknown(String)
    }

    mutating func finish(
        _ assignment: Assignment, startedAt: Instant, _ verdict: Verdict, evidence: [Evidence], result: ActionResult?,
        now: Instant
    ) -> [Effect] {
        var report = StepReport(
            runID: assignment.runID, stepID: assignment.stepID, attempt: assignment.attempt, outcome: .verified,
            exitCode: result?.exitCode, evidence: evidence, stdoutTail: result?.stdoutTail ?? "",
            stderrTail: result?.stderrTail ?? "", startedAt: startedAt, finishedAt: now)
        switch verdict {
        case .verified(let outputs):
            report.outputs = outputs
        case .failed(let kind, let reason):
            (report.outcome, report.failureKind, report.reason) = (.failed, kind, reason)
        case .unknown(let reason):
            (report.outcome, report.reason) = (.unknown, reason)
        }
        return recordDone(report)
    }

    /// The attempt is over: keep its report until acknowledged, and send it.
    mutating func recordDone(_ report: StepReport) -> [Effect] {
        attempts[report.key] = .done(report)
        outbox.append(report)
        return [.record(report), .send(report)]
    }
}
