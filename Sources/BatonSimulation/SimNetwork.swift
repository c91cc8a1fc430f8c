import AgentCore
import BatonModel
import CoordinatorCore

/// What the coordinator sends an agent within a session.
enum ToAgent: Sendable {
    case assignment(Assignment)
    case acknowledge(AttemptKey)
    case reconcile([AttemptKey])
    case cancel(CancelRequest)
}

/// What an agent sends the coordinator within a session (its hello is part of `connect`).
enum ToCoordinator: Sendable {
    case report(StepReport)
    case reconcileReply([AttemptKey: AttemptState])
    case heartbeat
}

/// One connection between an agent and one coordinator incarnation. Messages on it are delivered
/// in order unless a reorder fault lets one overtake. Once it is closed nothing new goes out on it;
/// a message already in flight may still be read (it was in the receiver's socket buffer) if the
/// receiving process has not restarted and, on the agent's side, has not noticed the close yet.
struct Session: Sendable {
    var agent: Int
    /// The coordinator epoch at the other end.
    var epoch: UInt64
    var alive = true
    var lastDeliveryToAgent: Int64 = 0
    var lastDeliveryToCoordinator: Int64 = 0
}

/// A message sent while its agent was cut off: delivered (late) when the partition heals,
/// if its session still stands (TCP retransmission), else lost.
struct HeldMessage: Sendable {
    var session: Int
    var event: SimEvent
}

/// The simulated network: sessions, partitions, and messages held back by partitions.
struct SimNetwork {
    var sessions: [Session] = []
    var partitionedUntil: [Int64?]
    var held: [[HeldMessage]]

    init(agentCount: Int) {
        partitionedUntil = Array(repeating: nil, count: agentCount)
        held = Array(repeating: [], count: agentCount)
    }

    func isPartitioned(_ agent: Int) -> Bool { partitionedUntil[agent] != nil }

    mutating func open(agent: Int, epoch: UInt64) -> Int {
        sessions.append(Session(agent: agent, epoch: epoch))
        return sessions.count - 1
    }
}

extension Simulation {
    // MARK: - Sending

    func send(_ message: ToAgent, to agent: Int, session: Int) {
        transmit(.toAgent(agent: agent, session: session, message), agent: agent, session: session, towardAgent: true)
    }

    func send(_ message: ToCoordinator, from agent: Int, session: Int) {
        transmit(.toCoordinator(agent: agent, session: session, message), agent: agent, session: session, towardAgent: false)
    }

    /// Puts a message on the wire, where faults may drop, delay, reorder or duplicate it.
    func transmit(_ event: SimEvent, agent: Int, session: Int, towardAgent: Bool) {
        guard network.sessions[session].alive else { return }
        if network.isPartitioned(agent) {
            network.held[agent].append(HeldMessage(session: session, event: event))
            return
        }
        if faultsActive, random.chance(configuration.faults.drop) {
            faults.drops += 1
            log("net: lost \(describe(event)); the connection resets")
            breakSession(session, reason: "reset after a lost message")
            return
        }
        var latency = random.int64(1...20)
        if faultsActive, random.chance(configuration.faults.delay) {
            faults.delays += 1
            latency += random.int64(100...3_000)
        }
        var deliverAt = now + latency
        if faultsActive, random.chance(configuration.faults.reorder) {
            faults.reorders += 1
        } else if towardAgent {
            deliverAt = max(deliverAt, network.sessions[session].lastDeliveryToAgent)
            network.sessions[session].lastDeliveryToAgent = deliverAt
        } else {
            deliverAt = max(deliverAt, network.sessions[session].lastDeliveryToCoordinator)
            network.sessions[session].lastDeliveryToCoordinator = deliverAt
        }
        queue.schedule(event, at: deliverAt)
        if faultsActive, random.chance(configuration.faults.duplicate) {
            faults.duplicates += 1
            queue.schedule(event, at: deliverAt + random.int64(0...300))
        }
    }

    // MARK: - Sessions

    /// Closes a session; each end notices a moment later.
    func breakSession(_ session: Int, reason: String) {
        guard network.sessions[session].alive else { return }
        network.sessions[session].alive = false
        let agent = network.sessions[session].agent
        log("net: session \(session) of \(agents[agent].identity) closed: \(reason)")
        queue.schedule(.coordinatorNoticesClose(agent: agent, session: session), at: now + random.int64(1...50))
        queue.schedule(.agentNoticesClose(agent: agent, session: session), at: now + random.int64(1...50))
    }

    /// The agent dials out; the handshake (hello, welcome) either completes at once or fails.
    func connect(_ agent: Int, incarnation: Int) {
        guard agents[agent].core != nil, agents[agent].incarnation == incarnation, agents[agent].session == nil else { return }
        agents[agent].connecting = false
        guard coordinator.core != nil, !network.isPartitioned(agent) else {
            log("\(agents[agent].identity): connect failed (\(coordinator.core == nil ? "coordinator down" : "partitioned"))")
            scheduleConnect(agent, after: random.int64(200...1_000))
            return
        }
        let session = network.open(agent: agent, epoch: coordinator.epoch)
        let identity = agents[agent].identity
        agents[agent].session = session
        if let previous = coordinator.sessions[agent] {
            breakSession(previous, reason: "replaced by session \(session)")
        }
        coordinator.sessions[agent] = session
        let outbox = agents[agent].core?.outbox ?? []
        log("\(identity): connected, session \(session), hello with \(outbox.count) unacknowledged report(s)")
        agentHandle(agent, .welcomed(epoch: coordinator.epoch))
        coordinatorHandle(.agentConnected(identity, now: instant))
        for report in outbox where network.sessions[session].alive && coordinator.core != nil {
            coordinatorHandle(.reportReceived(report, from: identity, now: instant))
        }
        queue.schedule(.heartbeat(agent: agent, session: session), at: now + configuration.heartbeatIntervalMilliseconds)
    }

    func scheduleConnect(_ agent: Int, after delay: Int64) {
        guard !agents[agent].connecting else { return }
        agents[agent].connecting = true
        queue.schedule(.agentConnect(agent: agent, incarnation: agents[agent].incarnation), at: now + delay)
    }

    func coordinatorNoticesClose(agent: Int, session: Int) {
        guard coordinator.core != nil, coordinator.sessions[agent] == session else { return }
        coordinator.sessions[agent] = nil
        coordinatorHandle(.agentDisconnected(agents[agent].identity, now: instant))
    }

    func agentNoticesClose(agent: Int, session: Int) {
        guard agents[agent].core != nil, agents[agent].session == session else { return }
        agents[agent].session = nil
        log("\(agents[agent].identity): session \(session) lost")
        scheduleConnect(agent, after: random.int64(100...1_000))
    }

    func heartbeat(agent: Int, session: Int) {
        guard agents[agent].core != nil, agents[agent].session == session, network.sessions[session].alive else { return }
        send(.heartbeat, from: agent, session: session)
        queue.schedule(.heartbeat(agent: agent, session: session), at: now + configuration.heartbeatIntervalMilliseconds)
    }

    // MARK: - Delivery

    func deliver(_ message: ToCoordinator, from agent: Int, session: Int) {
        let readable = coordinator.core != nil && coordinator.epoch == network.sessions[session].epoch
        guard readable, network.sessions[session].alive || random.chance(0.5) else {
            log("net: \(describe(message)) from \(agents[agent].identity) lost with session \(session)")
            return
        }
        let identity = agents[agent].identity
        let late = network.sessions[session].alive ? "" : " (late, session \(session) closed)"
        log("coordinator <- \(identity): \(describe(message))\(late)")
        switch message {
        case .report(let report): coordinatorHandle(.reportReceived(report, from: identity, now: instant))
        case .reconcileReply(let states): coordinatorHandle(.reconciled(identity, states, now: instant))
        case .heartbeat: coordinatorHandle(.agentHeard(identity, now: instant))
        }
    }

    func deliver(_ message: ToAgent, to agent: Int, session: Int) {
        let readable = agents[agent].core != nil && agents[agent].session == session
        guard readable, network.sessions[session].alive || random.chance(0.5) else {
            log("net: \(describe(message)) to \(agents[agent].identity) lost with session \(session)")
            return
        }
        let late = network.sessions[session].alive ? "" : " (late, session \(session) closed)"
        log("\(agents[agent].identity) <- coordinator: \(describe(message))\(late)")
        switch message {
        case .assignment(let assignment):
            // Draining, the shell takes no new work and journals nothing: it never ran.
            guard !agents[agent].draining else { return }
            agentHandle(agent, .assignmentReceived(assignment, now: instant))
        case .acknowledge(let key):
            if let trigger = agents[agent].crashOnAcknowledgement, trigger.step == key.stepID {
                agents[agent].crashOnAcknowledgement = nil
                crashAgent(agent, downFor: trigger.downFor, reason: "scripted, on the ack of \(key)")
                return
            }
            agentHandle(agent, .reportAcknowledged(key))
        case .reconcile(let keys): agentHandle(agent, .reconcileRequested(keys))
        case .cancel(let request): agentHandle(agent, .cancelRequested(request, now: instant))
        }
    }

    // MARK: - Partitions

    func startPartition(_ agent: Int, duration: Int64) {
        let end = now + duration
        network.partitionedUntil[agent] = max(network.partitionedUntil[agent] ?? end, end)
        faults.partitions += 1
        log("net: \(agents[agent].identity) partitioned for \(duration) ms")
        queue.schedule(.partitionEnd(agent: agent), at: end)
        if duration > configuration.sessionTimeoutMilliseconds {
            queue.schedule(.partitionTimeout(agent: agent), at: now + configuration.sessionTimeoutMilliseconds)
        }
    }

    /// Both ends give up on the agent's connection while the partition lasts.
    func partitionTimeout(agent: Int) {
        guard network.isPartitioned(agent) else { return }
        for session in network.sessions.indices where network.sessions[session].agent == agent {
            breakSession(session, reason: "timed out while partitioned")
        }
    }

    func endPartition(_ agent: Int, force: Bool = false) {
        guard let until = network.partitionedUntil[agent], force || until <= now else { return }
        network.partitionedUntil[agent] = nil
        log("net: \(agents[agent].identity) partition healed")
        let held = network.held[agent]
        network.held[agent] = []
        for message in held {
            switch message.event {
            case .toAgent: transmit(message.event, agent: agent, session: message.session, towardAgent: true)
            default: transmit(message.event, agent: agent, session: message.session, towardAgent: false)
            }
        }
    }

    func describe(_ event: SimEvent) -> String {
        switch event {
        case .toAgent(let agent, _, let message): return "\(Describe.toAgent(message)) to \(agents[agent].identity)"
        case .toCoordinator(let agent, _, let message): return "\(Describe.toCoordinator(message)) from \(agents[agent].identity)"
        default: return "event"
        }
    }

    func describe(_ message: ToAgent) -> String { Describe.toAgent(message) }
    func describe(_ message: ToCoordinator) -> String { Describe.toCoordinator(message) }
}
