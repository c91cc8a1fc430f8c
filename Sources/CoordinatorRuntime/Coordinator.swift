import BatonAPI
import BatonModel
import BatonPolicy
import BatonProto
import BatonWire
import SwiftProtobuf
import CoordinatorCore
import CoordinatorStore
import Foundation
import Logging

/// The coordinator's shell around `CoordinatorCore`.
///
/// Every input becomes a core event, processed one at a time in arrival order by `run()`.
/// For each event: the core decides, the journal records are made durable in one transaction,
/// and only then are assignments and acknowledgements sent (journal before effect).
/// Queries read `durable`, a view built only from records already on disk.
public actor Coordinator {
    private struct Queued: Sendable {
        var event: CoordinatorCore.Event
        var done: CheckedContinuation<[CoordinatorCore.Effect], any Error>?
    }

    struct AgentRecord: Sendable {
        var session: AgentSessionHandle?
        var address: String
        var agentVersion: String
        var labels: [String: String]
        var connectedAt: Instant
        var lastSeenAt: Instant
    }

    public nonisolated let epoch: UInt64
    private var core: CoordinatorCore
    let store: any CoordinatorStore
    /// The policies plans are checked against at start and steps at every gate.
    public nonisolated let policies: PolicySet
    private var durable: RunTable
    private var agents: [AgentIdentity: AgentRecord] = [:]
    private let logger: Logger
    private let queue: AsyncStream<Queued>
    private let queueInput: AsyncStream<Queued>.Continuation
    private var stopped = false

    /// Opens the coordinator on `store`: raises the epoch and rebuilds unfinished runs from the journal.
    public init(
        store: any CoordinatorStore, leaseTimeoutMilliseconds: Int64 = 15_000, policies: PolicySet = PolicySet(rules: []),
        logger: Logger
    ) async throws {
        self.store = store
        self.logger = logger
        self.policies = policies
        epoch = try await store.beginEpoch()
        let records = try await store.allRecords().map(\.record)
        core = CoordinatorCore(
            epoch: epoch, leaseTimeoutMilliseconds: leaseTimeoutMilliseconds,
            gate: policies.rules.isEmpty ? nil : policies, recovering: records)
        durable = core.table
        (queue, queueInput) = AsyncStream.makeStream(of: Queued.self)
        let unfinished = durable.all.filter { !$0.phase.isFinished }.count
        logger.info("coordinator epoch \(epoch): \(durable.all.count) runs in the journal, \(unfinished) unfinished")
    }

    /// Processes events until `stop()` is called or the task is cancelled.
    /// Throws if the journal cannot be written: the process must stop, and a restart recovers from the journal.
    public func run() async throws {
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                await self?.enqueue(.tick(now: WallClock.now()))
            }
        }
        defer { ticker.cancel() }
        for await item in queue {
            do {
                let effects = try await process(item.event)
                item.done?.resume(returning: effects)
            } catch {
                item.done?.resume(throwing: error)
                logger.critical("journal write failed, stopping: \(error)")
                throw error
            }
        }
    }

    /// Stops accepting events; `run()` returns after the events already queued.
    public func stop() {
        stopped = true
        queueInput.finish()
    }

    private func enqueue(_ event: CoordinatorCore.Event) {
        queueInput.yield(Queued(event: event, done: nil))
    }

    /// Queues an event and returns once its journal records are durable and its effects carried out.
    @discardableResult
    private func submit(_ event: CoordinatorCore.Event) async throws -> [CoordinatorCore.Effect] {
        guard !stopped else { throw CoordinatorError.shuttingDown }
        return try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<[CoordinatorCore.Effect], any Error>) in
            queueInput.yield(Queued(event: event, done: continuation))
        }
    }

    private func process(_ event: CoordinatorCore.Event) async throws -> [CoordinatorCore.Effect] {
        let effects = core.handle(event)
        let records = effects.compactMap { effect -> JournalRecord? in
            if case .journal(let record) = effect { return record }
            return nil
        }
        let audit = AuditTrail.entries(for: event, effects: effects, now: WallClock.now()) { durable[$0]?.incident }
        if !records.isEmpty || !audit.isEmpty {
            try await store.append(records, audit: audit)
            for record in records { durable.apply(record) }
        }
        for effect in effects {
            switch effect {
            case .journal:
                break
            case .assign(let agent, let assignment):
                var envelope = Baton_V1_Envelope()
                envelope.assignment = Baton_V1_Assignment(assignment)
                agents[agent]?.session?.send(envelope)
                logger.info("assigned \(assignment.key) to \(agent)")
            case .acknowledge(let agent, let key):
                var envelope = Baton_V1_Envelope()
                envelope.ack = .with {
                    $0.runID = key.runID.rawValue
                    $0.stepID = key.stepID.rawValue
                    $0.attempt = UInt32(clamping: key.attempt)
                }
                agents[agent]?.session?.send(envelope)
            case .reconcile(let agent, let keys):
                var envelope = Baton_V1_Envelope()
                envelope.reconcileQuery = .with { $0.attempts = keys.map(Baton_V1_AttemptRef.init) }
                agents[agent]?.session?.send(envelope)
                logger.info("reconciling \(keys.count) attempt(s) with \(agent)")
            case .refuseReport(let agent, let key, let reason):
                logger.warning("refused report \(key) from \(agent): \(reason)")
            case .refuseCommand(let reason):
                logger.notice("refused operator command: \(reason)")
            case .cancel(let agent, let request):
                var envelope = Baton_V1_Envelope()
                envelope.cancel = Baton_V1_Cancel(request)
                agents[agent]?.session?.send(envelope)
                logger.notice("cancelling \(request.key) on \(agent)")
            }
        }
        return effects
    }

    // MARK: - Operator commands

    /// Starts a run of `plan`. Returns once the run is journaled.
    /// Throws `PolicyRefusal` when the plan breaks a policy (checked before anything is journaled).
    public func startRun(plan: Plan, incident: String, startedBy: String) async throws -> RunID {
        let violations = policies.check(plan: plan)
        guard violations.isEmpty else { throw PolicyRefusal(violations: violations) }
        let runID = Self.makeRunID()
        try await submit(.runRequested(runID, incident: incident, plan: plan, startedBy: startedBy, now: WallClock.now()))
        return runID
    }

    /// Completes a manual step; throws the core's refusal (what is wrong) if it cannot be completed.
    public func completeStep(_ runID: RunID, _ stepID: StepID, by operatorName: String, evidence: String) async throws {
        let effects = try await submit(
            .operatorCompletedStep(runID, stepID, operator: operatorName, evidence: evidence, now: WallClock.now()))
        for case .refuseCommand(let reason) in effects { throw CoordinatorError(message: reason) }
    }

    /// Records an approval or denial; throws the core's refusal (what is wrong) if it does not count.
    public func decide(_ runID: RunID, _ stepID: StepID, vote: ApprovalVote) async throws {
        let effects = try await submit(.operatorDecided(runID, stepID, vote: vote, now: WallClock.now()))
        for case .refuseCommand(let reason) in effects { throw CoordinatorError(message: reason) }
    }

    /// Aborts, pauses, resumes or retries a run; throws the core's refusal (what is wrong) if it does not apply.
    public func control(_ runID: RunID, _ command: RunCommand, by principal: String) async throws {
        let effects = try await submit(.operatorControlled(runID, command, principal: principal, now: WallClock.now()))
        for case .refuseCommand(let reason) in effects { throw CoordinatorError(message: reason) }
    }

    /// Records an override; throws the core's refusal if the step cannot be overridden that way.
    public func override(_ runID: RunID, _ stepID: StepID, _ override: StepOverride) async throws {
        let effects = try await submit(.operatorOverrode(runID, stepID, override: override, now: WallClock.now()))
        for case .refuseCommand(let reason) in effects { throw CoordinatorError(message: reason) }
    }

    static func makeRunID() -> RunID {
        var time = time_t(Int(Date().timeIntervalSince1970))
        var parts = tm()
        gmtime_r(&time, &parts)
        let stamp = String(
            format: "%04d%02d%02d-%02d%02d%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return RunID("run-\(stamp)-\(String(repeating: "0", count: 8 - suffix.count))\(suffix)")
    }

    // MARK: - Agent sessions

    /// A verified agent said hello. A previous session of the same agent is closed.
    func agentConnected(
        _ agent: AgentIdentity, session: AgentSessionHandle, address: String, agentVersion: String,
        labels: [String: String]
    ) async throws {
        let now = WallClock.now()
        if let previous = agents[agent]?.session {
            logger.info("agent \(agent) reconnected; closing its previous session")
            previous.close()
        }
        agents[agent] = AgentRecord(
            session: session, address: address, agentVersion: agentVersion, labels: labels, connectedAt: now,
            lastSeenAt: now)
        try await submit(.agentConnected(agent, labels: labels, now: now))
    }

    func agentDisconnected(_ agent: AgentIdentity, session: AgentSessionHandle) async {
        guard agents[agent]?.session === session else { return }
        agents[agent]?.session = nil
        try? await submit(.agentDisconnected(agent, now: WallClock.now()))
    }

    func agentHeard(_ agent: AgentIdentity) async throws {
        let now = WallClock.now()
        agents[agent]?.lastSeenAt = now
        try await submit(.agentHeard(agent, now: now))
    }

    func reconciled(_ agent: AgentIdentity, _ states: [AttemptKey: AttemptState]) async throws {
        agents[agent]?.lastSeenAt = WallClock.now()
        try await submit(.reconciled(agent, states, now: WallClock.now()))
    }

    func reportReceived(_ report: StepReport, from agent: AgentIdentity) async throws {
        agents[agent]?.lastSeenAt = WallClock.now()
        try await submit(.reportReceived(report, from: agent, now: WallClock.now()))
    }

    // MARK: - Queries (durable state only)

    public func run(_ runID: RunID) -> RunState? { durable[runID] }

    public func allRuns() -> [RunState] { durable.all }

    public func journal(runID: RunID?, after sequence: Int64, limit: Int) async throws -> [StoredRecord] {
        try await store.records(runID: runID, after: sequence, limit: limit)
    }

    public func agentViews() -> [AgentView] {
        let load = durable.stepsInFlight()
        return agents.sorted { $0.key < $1.key }.map { identity, record in
            AgentView(
                name: identity.name, tier: identity.tier.rawValue, connected: record.session != nil,
                address: record.address, agentVersion: record.agentVersion, labels: record.labels,
                connectedAt: record.connectedAt.millisecondsSinceEpoch,
                lastSeenAt: record.lastSeenAt.millisecondsSinceEpoch, stepsInFlight: load[identity] ?? 0)
        }
    }
}

/// A plan refused at start because it breaks policy rules (nothing was journaled).
public struct PolicyRefusal: Error, CustomStringConvertible, Sendable {
    public var violations: [PolicyViolation]
    public var description: String {
        "the plan breaks \(violations.count) policy rule(s): " + violations.map(\.description).joined(separator: "; ")
    }
}

public struct CoordinatorError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
    public static let shuttingDown = CoordinatorError(message: "the coordinator is shutting down")
}
