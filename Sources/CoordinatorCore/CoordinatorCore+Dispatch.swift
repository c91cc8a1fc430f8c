import BatonModel

extension CoordinatorCore {
    mutating func advanceAll(now: Instant) {
        for runID in table.order where runs[runID]?.phase.isActive == true {
            advance(runID, now: now)
        }
    }

    /// Starts every step whose gate is open: needs verified (or skipped), `when:` holding, a fan-out
    /// child's batch slot free. Then finishes the run when nothing more can happen.
    mutating func advance(_ runID: RunID, now: Instant) {
        guard let phase = runs[runID]?.phase, phase.isActive else { return }
        if phase == .rollingBack {
            advanceCompensation(runID, now: now)
            return
        }
        // Steps are judged on one snapshot of the run; it is dropped before anything changes (so that
        // the change does not copy the run's step table) and taken again after. Fan-out appends
        // children to `order` while we walk it; they are started in the same pass.
        var snapshot = table.runs[runID]
        let compensating = Set(snapshot!.plan.rollbackSteps.map(\.id))
        var index = 0
        while index < snapshot!.order.count {
            let id = snapshot!.order[index]
            index += 1
            guard !compensating.contains(id) else { continue }
            let readiness = Self.readiness(snapshot!, id, now: now)
            if case .notReady = readiness { continue }
            snapshot = nil
            start(runID, id, readiness, now: now)
            snapshot = table.runs[runID]
            guard snapshot!.phase == .running else { return }
        }
        snapshot = nil
        finishIfComplete(runID, now: now)
    }

    /// What `startIfReady` may do with a step, decided without holding the run across a change (a held
    /// copy would make every journal record copy the run's whole step table).
    private enum Readiness {
        case notReady
        case child(parent: StepID)
        case skip(String)
        case ready(PlannedStep, retrying: Bool)
    }

    /// Judged on statuses first (cheap), and only then on the step and its contract (copies).
    private static func readiness(_ run: RunState, _ id: StepID, now: Instant) -> Readiness {
        guard let status = run.statuses[id] else { return .notReady }
        switch status {
        case .pending, .waiting, .awaitingApproval, .retrying:
            break
        case .dispatched, .verified, .failed, .unknown, .skipped, .awaitingOperator, .denied, .overridden, .cancelled:
            return .notReady
        }
        // The gate: every need verified or skipped; a need that failed under `continue` skips this step.
        var blockedBy: StepID?
        for need in run.needsOf[id] ?? [] {
            let needStatus = run.statuses[need]
            if needStatus?.letsDependentsStart == true { continue }
            guard needStatus == .failed else { return .notReady }
            blockedBy = need
        }
        guard let step = run.steps[id] else { return .notReady }
        if status == .retrying {
            guard let notBefore = step.retryNotBefore, now >= notBefore else { return .notReady }
        }
        if let parentID = step.parent { return .child(parent: parentID) }
        guard let planned = run.planned(id) else { return .notReady }
        if let blockedBy { return .skip("it needs \(blockedBy), which failed (on_failure: continue)") }
        if status != .retrying, let reason = skipReason(run, planned) { return .skip(reason) }
        return .ready(planned, retrying: status == .retrying)
    }

    /// Dispatches, skips, fans out or hands to an operator one step whose turn may have come.
    private mutating func start(_ runID: RunID, _ id: StepID, _ readiness: Readiness, now: Instant) {
        let planned: PlannedStep
        switch readiness {
        case .notReady:
            return
        case .child(let parentID):
            dispatchChild(runID, id, parent: parentID, now: now)
            return
        case .skip(let reason):
            record(runID, now, .stepSkipped(step: id, reason: reason))
            return
        case .ready(let step, let retrying):
            guard retrying || passesGovernance(runID, id, step, now: now) else { return }
            planned = step
        }
        if let instructions = planned.manualInstructions {
            record(runID, now, .stepAwaitingOperator(step: id, instructions: instructions))
            return
        }
        if let targets = planned.targets {
            fanOut(runID, id, tier: planned.tier, targets: targets, now: now)
            return
        }
        guard let agent = pickAgent(for: planned.tier) else {
            wait(runID, id, reason: "no connected agent of tier \(planned.tier)", now: now)
            return
        }
        dispatch(runID, id, to: agent, now: now)
    }

    /// Why the step is skipped: its condition is false, or it reads outputs of a step that was skipped.
    private static func skipReason(_ run: RunState, _ planned: PlannedStep) -> String? {
        let references = planned.outputReferences
        guard planned.when != nil || !references.isEmpty else { return nil }
        let values = run.outputValues
        if let missing = references.first(where: {
            values[$0] == nil && run.steps[$0.step]?.status == .skipped
        }) {
            return "it reads \(missing), but step \(missing.step) was skipped"
        }
        guard let condition = planned.when, !condition.holds(values) else { return nil }
        let left = OutputReference.substitute(condition.left, values)
        let right = OutputReference.substitute(condition.right, values)
        return "when: \(condition) is false ('\(left)' \(condition.comparison.rawValue) '\(right)')"
    }

    mutating func wait(_ runID: RunID, _ id: StepID, reason: String, now: Instant) {
        let step = runs[runID]!.steps[id]!
        if step.status != .waiting || step.waitingReason != reason {
            record(runID, now, .stepWaiting(step: id, reason: reason))
        }
    }

    mutating func dispatch(_ runID: RunID, _ id: StepID, to agent: AgentIdentity, now: Instant) {
        let attempt = runs[runID]!.steps[id]!.attempt + 1
        guard let assignment = assignment(runID, id, attempt: attempt) else { return }
        record(runID, now, .stepDispatched(step: id, attempt: attempt, agent: agent))
        effects.append(.assign(agent, assignment))
    }

    /// Splits a `targets:` step into one child per matching agent connected now.
    private mutating func fanOut(_ runID: RunID, _ id: StepID, tier: Tier, targets: Targets, now: Instant) {
        let agents = eligibleAgents(tier).filter { targets.matches(agentLabels[$0] ?? [:]) }.sorted()
        guard !agents.isEmpty else {
            let labels = targets.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            let selector = labels.isEmpty ? "" : " labelled \(labels.joined(separator: ","))"
            wait(runID, id, reason: "no connected agent of tier \(tier)\(selector)", now: now)
            return
        }
        record(runID, now, .stepFannedOut(step: id, agents: agents))
    }

    /// Dispatches a fan-out child to its own agent when its parent's batch (`serial`) has room.
    private mutating func dispatchChild(_ runID: RunID, _ id: StepID, parent parentID: StepID, now: Instant) {
        guard let agent = childAgent(runID, id, parent: parentID) else { return }
        guard eligibleAgents(agent.tier).contains(agent) else {
            wait(runID, id, reason: "its agent \(agent) is not connected", now: now)
            return
        }
        dispatch(runID, id, to: agent, now: now)
    }

    /// The child's agent when its parent is running and its batch has room (nil: not now).
    private func childAgent(_ runID: RunID, _ id: StepID, parent parentID: StepID) -> AgentIdentity? {
        guard let run = table.runs[runID], let parent = run.steps[parentID], parent.status == .dispatched,
            let agent = run.steps[id]?.pinnedAgent, let targets = run.planned(parentID)?.targets
        else { return nil }
        if let serial = targets.serial, serial.hosts(of: parent.children.count) < parent.children.count {
            let limit = max(1, serial.hosts(of: parent.children.count))
            let busy = parent.children.filter { child in
                guard child != id, let state = run.steps[child] else { return false }
                return state.status == .dispatched || state.status == .retrying
                    || (state.status == .unknown && state.leaseExpired)
            }.count
            guard busy < limit else { return nil }
        }
        return agent
    }

    /// Succeeds the run once every forward step is verified, skipped, or failed under `continue`.
    private mutating func finishIfComplete(_ runID: RunID, now: Instant) {
        let run = runs[runID]!
        var verified = 0, skipped = 0, tolerated: [StepID] = []
        var overridden = 0
        for index in run.plan.steps.indices {
            let id = run.plan.steps[index].id
            switch run.statuses[id] {
            case .verified?: verified += 1
            case .skipped?: skipped += 1
            case .overridden?: overridden += 1
            case .failed? where run.plan.steps[index].onFailure == .continue: tolerated.append(id)
            default: return
            }
        }
        var reason = "all \(run.plan.steps.count) steps verified"
        if skipped > 0 || overridden > 0 || !tolerated.isEmpty {
            reason = "\(verified) of \(run.plan.steps.count) steps verified"
            if skipped > 0 { reason += ", \(skipped) skipped" }
            if overridden > 0 { reason += ", \(overridden) forced past by an operator" }
            if !tolerated.isEmpty {
                reason += ", failed under on_failure continue: \(tolerated.map(\.rawValue).joined(separator: ", "))"
            }
        }
        record(runID, now, .runFinished(phase: .succeeded, reason: reason))
    }

    /// Connected agents of the tier that are not being reconciled and whose lease holds.
    func eligibleAgents(_ tier: Tier) -> [AgentIdentity] {
        connectedAgents.filter { $0.tier == tier && !reconciling.contains($0) && !lapsed.contains($0) }
    }

    /// The eligible agent of the tier with the fewest steps in flight (ties: by name).
    func pickAgent(for tier: Tier) -> AgentIdentity? {
        let candidates = eligibleAgents(tier)
        guard !candidates.isEmpty else { return nil }
        let load = table.stepsInFlight()
        return candidates.min { (load[$0] ?? 0, $0) < (load[$1] ?? 0, $1) }
    }
}
