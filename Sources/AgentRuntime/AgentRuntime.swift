import AgentCore
import BatonModel
import BatonProto
import BatonWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SwiftProtobuf

/// The agent's shell around `AgentCore`: dials out to the coordinator, keeps the session alive,
/// runs actions and probes for the core, and sends its reports.
public actor AgentRuntime {
    typealias Connection = NIOAsyncChannel<Baton_V1_Envelope, Baton_V1_Envelope>

    private let configuration: AgentConfiguration
    private let logger: Logger
    private let runner: ProcessRunner
    private let probes: ProbeEvaluator
    private var core = AgentCore()
    private var session: AsyncStream<Baton_V1_Envelope>.Continuation?
    private var work: [AttemptKey: Task<Void, Never>] = [:]
    private var draining = false
    private var stopRequested = false
    private var currentChannel: (any Channel)?
    /// The process group of each running action, set the moment it is spawned (from the runner's thread).
    private let processGroups = ExecLocked<[AttemptKey: Int32]>([:])
    /// Actions being stopped on the coordinator's cancel: the members of their process group when signalled.
    private var stopping: [AttemptKey: [ProcessGroupMember]] = [:]
    /// The identity the coordinator read from this agent's certificate, once welcomed.
    public private(set) var identity: AgentIdentity?

    private let journal: AgentJournal?

    /// Opens the agent's journal (if it has a state directory). Recovery happens in `run()`.
    public init(configuration: AgentConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        runner = ProcessRunner(killGraceMilliseconds: configuration.killGraceMilliseconds)
        probes = ProbeEvaluator(runner: runner)
        journal = try configuration.stateDirectory.map { try AgentJournal(directory: $0) }
    }

    /// Connects, and reconnects with exponential backoff and jitter, until the task is cancelled.
    public func run() async {
        if let journal, !journal.recovered.isEmpty {
            logger.info("recovering \(journal.recovered.count) journal entries from \(journal.path)")
            apply(core.recover(journal.recovered, now: WallClock.now()))
        }
        var failures = 0
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled && !stopRequested {
            do {
                try await runSession(onWelcome: { failures = 0 })
                logger.notice("coordinator closed the session")
            } catch {
                logger.notice("session ended: \(error)")
            }
            session = nil
            currentChannel = nil
            guard !Task.isCancelled && !stopRequested else { break }
            failures += 1
            let delay = configuration.reconnectDelayMilliseconds(consecutiveFailures: failures, random: &random)
            logger.info("reconnecting in \(delay) ms")
            try? await Task.sleep(for: .milliseconds(delay))
        }
        abandonInFlightWork()
    }

    /// Graceful shutdown: takes no new assignments, lets the steps in flight finish for up to
    /// `timeoutMilliseconds`, then abandons the rest (their process groups are killed and they are
    /// reported `unknown`), gives the reports a moment to reach the coordinator, and stops.
    public func drain(timeoutMilliseconds: Int64) async {
        draining = true
        let inFlightAtStart = core.inFlight
        logger.notice("draining: \(inFlightAtStart.count) step(s) in flight, waiting up to \(timeoutMilliseconds) ms")
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(timeoutMilliseconds))
        while !core.inFlight.isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let abandoned = core.inFlight
        for key in abandoned {
            work[key]?.cancel()
            work[key] = nil
            apply(core.handle(.abandoned(key, now: WallClock.now())))
        }
        runner.terminateAll()
        let finished = inFlightAtStart.filter { !abandoned.contains($0) }
        logger.notice("drained: finished \(finished.count) \(finished), abandoned \(abandoned.count) \(abandoned)")
        // Give the reports a moment to be acknowledged; what is not stays in the journal's outbox.
        let flushDeadline = ContinuousClock.now.advanced(by: .milliseconds(1_000))
        while !core.outbox.isEmpty && session != nil && ContinuousClock.now < flushDeadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        stopRequested = true
        session?.finish()
        try? await currentChannel?.close()
    }

    /// Kills every action still running (shutdown without a drain). Their attempts stay in the journal.
    private func abandonInFlightWork() {
        let keys = core.inFlight
        if !keys.isEmpty { logger.warning("abandoning \(keys.count) step(s) in flight: \(keys)") }
        runner.terminateAll()
        for task in work.values { task.cancel() }
    }

    private func runSession(onWelcome: () -> Void) async throws {
        let sslContext = try NIOSSLContext(configuration: configuration.tls)
        let serverHostname = configuration.serverHostname
        let connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(configuration.connectTimeoutMilliseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: configuration.coordinatorHost, port: configuration.coordinatorPort) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: sslContext, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandler(tls)
                    try channel.pipeline.syncOperations.addBatonFraming()
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        currentChannel = connection.channel
        try await connection.executeThenClose { inbound, outbound in
            var hello = Baton_V1_Envelope()
            hello.hello = .with {
                $0.protocolVersion = ProtocolVersion.current
                $0.agentVersion = configuration.agentVersion
                $0.capabilities = [
                    "probe.command", "probe.file", "probe.tcp", "probe.http", "probe.https", "probe.process", "outputs",
                ]
                $0.labels = configuration.labels
                $0.unacknowledgedReports = core.outbox.map(Baton_V1_Report.init)
            }
            let (queue, queueInput) = AsyncStream.makeStream(of: Baton_V1_Envelope.self)
            defer { queueInput.finish() }
            queueInput.yield(hello)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await outbound.send(from: queue) }
                var welcomed = false
                for try await envelope in inbound {
                    if welcomed {
                        try receive(envelope)
                        continue
                    }
                    guard case .welcome(let welcome)? = envelope.body else {
                        throw AgentSessionError("the coordinator did not answer hello with welcome")
                    }
                    guard welcome.protocolVersion == ProtocolVersion.current else {
                        throw WireError.unsupportedProtocolVersion(welcome.protocolVersion)
                    }
                    welcomed = true
                    identity = Tier(rawValue: welcome.tier).map { AgentIdentity(tier: $0, name: welcome.agentName) }
                    _ = core.handle(.welcomed(epoch: welcome.coordinatorEpoch))
                    onWelcome()
                    session = queueInput
                    logger.info(
                        "connected as \(welcome.tier)/\(welcome.agentName), epoch \(welcome.coordinatorEpoch), session \(welcome.sessionID)"
                    )
                    let heartbeatInterval = max(Int(welcome.heartbeatIntervalMs), 100)
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(heartbeatInterval))
                            var heartbeat = Baton_V1_Envelope()
                            heartbeat.heartbeat = .with { $0.sentAtMs = WallClock.now().millisecondsSinceEpoch }
                            queueInput.yield(heartbeat)
                        }
                    }
                }
                group.cancelAll()
            }
        }
    }

    private func receive(_ envelope: Baton_V1_Envelope) throws {
        switch envelope.body {
        case .assignment(let assignment):
            let model = try assignment.model()
            guard !draining else {
                // Not journaled, so it never ran: reconciliation will send it again after a restart.
                logger.notice("draining: not taking \(model.key)")
                return
            }
            apply(core.handle(.assignmentReceived(model, now: WallClock.now())))
        case .ack(let ack):
            let key = AttemptKey(runID: RunID(ack.runID), stepID: StepID(ack.stepID), attempt: Int(ack.attempt))
            apply(core.handle(.reportAcknowledged(key)))
        case .reconcileQuery(let query):
            let keys = try query.attempts.map { try $0.model() }
            apply(core.handle(.reconcileRequested(keys)))
        case .cancel(let cancel):
            let request = try cancel.model()
            logger.notice("coordinator cancels \(request.key): \(request.reason)")
            apply(core.handle(.cancelRequested(request, now: WallClock.now())))
        case .heartbeat, .welcome:
            break
        case .reject(let reject):
            logger.warning("coordinator rejected message \(reject.messageID): \(reject.reason)")
        case .hello, .report, .reconcileReply:
            throw AgentSessionError("unexpected message from the coordinator")
        case nil:
            break
        }
    }

    private func apply(_ effects: [AgentCore.Effect]) {
        for effect in effects {
            switch effect {
            case .evaluateProbes(let key, let phase, let list):
                work[key] = Task {
                    let evidence = await probes.evaluate(list, phase: phase)
                    self.finished(key, .probesEvaluated(key, phase, evidence, now: WallClock.now()))
                }
            case .recordAccepted(let assignment):
                journalOrDie(.accepted(assignment))
            case .runAction(let key, var action, let timeout):
                logger.info("running \(key): \(action.argv.first ?? "")")
                // Where and what is running, for actions that need it (a step's own env wins).
                let context = [
                    "BATON_RUN_ID": key.runID.rawValue, "BATON_STEP_ID": key.stepID.rawValue,
                    "BATON_ATTEMPT": String(key.attempt), "BATON_AGENT": identity?.name ?? "",
                    "BATON_TIER": identity?.tier.rawValue ?? "",
                ]
                action.env.merge(context) { own, _ in own }
                let journal = self.journal
                let logger = self.logger
                let groups = processGroups
                work[key] = Task {
                    let result = await ActionExecution.run(
                        action, timeoutMilliseconds: timeout, runner: runner,
                        onSpawn: { processGroup in
                            groups.withLock { $0[key] = processGroup }
                            do { try journal?.append(.started(key, processGroup: processGroup), durable: false) } catch {
                                logger.error("cannot journal the process group of \(key): \(error)")
                            }
                        })
                    await self.actionEnded(key, result)
                }
            case .record(let report):
                journalOrDie(.completed(report))
            case .send(let report):
                logger.info("reporting \(report.key): \(report.outcome.rawValue) \(report.reason)")
                var envelope = Baton_V1_Envelope()
                envelope.report = Baton_V1_Report(report)
                session?.yield(envelope)
            case .forget(let key):
                journalOrDie(.acknowledged(key), durable: false)
            case .reconcileReply(let states):
                var envelope = Baton_V1_Envelope()
                envelope.reconcileReply = .with {
                    $0.entries = states.sorted { $0.key.description < $1.key.description }.map {
                        Baton_V1_ReconcileEntry($0.key, $0.value)
                    }
                }
                session?.yield(envelope)
            case .killProcessGroup(let group):
                if kill(-group, SIGKILL) == 0 {
                    logger.warning("killed process group \(group) left over from before the restart")
                }
            case .refuse(let key, let reason):
                logger.warning("refused assignment \(key): \(reason)")
            case .stop(let key):
                if let group = processGroups.withLock({ $0[key] }) {
                    stopping[key] = ProcessGroupScan.members(of: group)
                    logger.notice("stopping \(key): process group \(group), pids \(stopping[key]!.map(\.pid))")
                }
                // Cancelling the task stops the process group: SIGTERM, then SIGKILL after the grace.
                work[key]?.cancel()
            }
        }
    }

    /// Journals an entry durably. If the journal cannot be written, the agent stops: running a step
    /// without a durable record could run it twice after a crash.
    private func journalOrDie(_ entry: AgentJournalEntry, durable: Bool = true) {
        guard let journal else { return }
        do {
            try journal.append(entry, durable: durable)
        } catch {
            logger.critical("agent journal write failed, stopping: \(error)")
            fatalError("agent journal write failed: \(error)")
        }
    }

    /// An action's process ended; for a cancelled one, what was stopped and whether anything of it is left.
    private func actionEnded(_ key: AttemptKey, _ result: ActionResult) async {
        var result = result
        let group = processGroups.withLock { $0.removeValue(forKey: key) }
        if let group, let members = stopping.removeValue(forKey: key) {
            let survivors = await ProcessGroupScan.survivors(of: group, waitingUpToMilliseconds: 1_000)
            result.stopEvidence = [
                ProcessGroupScan.evidence(
                    group: group, signalled: members, survivors: survivors, graceMilliseconds: runner.killGraceMilliseconds,
                    leader: result.summary, at: WallClock.now())
            ]
        }
        finished(key, .actionFinished(key, result, now: WallClock.now()))
    }

    private func finished(_ key: AttemptKey, _ event: AgentCore.Event) {
        work[key] = nil
        apply(core.handle(event))
    }
}

struct AgentSessionError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
