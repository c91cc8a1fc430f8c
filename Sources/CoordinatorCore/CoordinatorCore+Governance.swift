import BatonModel

extension CoordinatorCore {
    /// The policy gate and the approvals of one step whose needs are met. Records a denial, a wait or a
    /// request for approval and returns false, or returns true when the step may start now.
    mutating func passesGovernance(_ runID: RunID, _ id: StepID, _ planned: PlannedStep, now: Instant) -> Bool {
        guard gate != nil || planned.approval != nil else { return true }
        let run = runs[runID]!
        let step = run.steps[id]!
        let forced = step.overrides.contains { $0.kind == .forcePastFailure }
        var requirements: [ApprovalRequirement] = []
        if let gate, !forced {
            switch gate.gate(step: planned, context: gateContext(run, step, planned, now: now)) {
            case .allow:
                break
            case .deny(let violations):
                record(runID, now, .stepDenied(step: id, violations: violations))
                let rules = violations.map(\.ruleID).joined(separator: ", ")
                record(
                    runID, now,
                    .runBlocked(
                        step: id,
                        reason: "step \(id) denied by policy (\(rules)): "
                            + violations.map(\.description).joined(separator: "; ")
                            + "; an operator may override or skip it"))
                return false
            case .wait(let reason):
                wait(runID, id, reason: "policy: \(reason)", now: now)
                return false
            case .needsApproval(let needed):
                requirements = needed
            }
        }
        if let approval = planned.approval, !forced { requirements.append(approval) }
        let missing = requirements.filter { !isSatisfied($0, step, run) }
        guard !missing.isEmpty else { return true }
        if step.status == .awaitingApproval, let requestedAt = step.approvalRequestedAt,
            let expired = missing.first(where: { now.millisecondsSinceEpoch - requestedAt.millisecondsSinceEpoch >= $0.timeoutMilliseconds })
        {
            record(runID, now, .approvalTimedOut(step: id, ruleID: expired.ruleID, action: expired.onTimeout))
            if expired.onTimeout == .deny {
                record(
                    runID, now,
                    .runBlocked(
                        step: id,
                        reason: "step \(id) was not approved within "
                            + "\(PlaybookDuration.format(milliseconds: expired.timeoutMilliseconds)) (rule \(expired.ruleID), "
                            + "on_timeout: deny); an operator may override or skip it"))
                return false
            }
            return passesGovernance(runID, id, planned, now: now)
        }
        if step.status != .awaitingApproval || step.requirements != missing {
            record(runID, now, .stepAwaitingApproval(step: id, requirements: missing))
        }
        return false
    }

    /// Enough distinct qualified approvers bound to this run's plan, or a timeout that allowed it.
    func isSatisfied(_ requirement: ApprovalRequirement, _ step: StepState, _ run: RunState) -> Bool {
        if step.approvalsAllowedByTimeout.contains(requirement.ruleID) { return true }
        let approvers = Set(
            step.votes.filter {
                $0.decision == .approve && $0.qualifies(for: requirement) && $0.planHash == run.plan.hash
                    && $0.parameters == run.plan.parameters
            }.map(\.approver))
        return approvers.count >= requirement.quorum
    }

    /// What the policy gate may know: this run's verified steps, every step in flight, overrides, approvals.
    private func gateContext(_ run: RunState, _ step: StepState, _ planned: PlannedStep, now: Instant) -> GateContext {
        var verified: [VerifiedStep] = []
        for state in run.steps.values where state.status == .verified && state.parent == nil {
            guard let contract = run.planned(state.id) else { continue }
            verified.append(
                VerifiedStep(id: state.id, tier: state.tier, tags: contract.tags, verifiedAt: state.finishedAt ?? run.startedAt))
        }
        var inFlight: [InFlightStep] = []
        for other in table.runs.values where !other.phase.isFinished {
            for state in other.steps.values where state.status == .dispatched && state.children.isEmpty {
                let tags = other.planned(state.id)?.tags ?? []
                inFlight.append(InFlightStep(run: other.runID, id: state.id, tier: state.tier, tags: tags))
            }
        }
        let approved = Set(step.requirements.filter { isSatisfied($0, step, run) }.map(\.ruleID))
        var hosts: Int?
        if let targets = planned.targets {
            hosts = eligibleAgents(planned.tier).filter { targets.matches(agentLabels[$0] ?? [:]) }.count
        }
        return GateContext(now: now, run: run.runID, verified: verified, inFlight: inFlight, approvedRules: approved, targetHosts: hosts)
    }

    /// `baton run approve` / `deny`: one vote per operator, never the run's own starter, bound to the plan.
    mutating func decide(_ runID: RunID, _ id: StepID, _ vote: ApprovalVote, now: Instant) {
        guard let (run, step) = commandTarget(runID, id) else { return }
        let verb = vote.decision == .approve ? "approve" : "deny"
        guard step.status == .awaitingApproval, run.phase.isActive else {
            refuse("step \(id) is \(step.status.rawValue) in a \(run.phase.rawValue) run; only a step awaiting approval can be approved or denied")
            return
        }
        guard operatorName(fromPrincipal: run.startedBy) != vote.approver else {
            refuse("\(vote.approver) started run \(runID) and cannot \(verb) its steps; another approver must")
            return
        }
        if let mismatch = bindingMismatch(vote, run) {
            refuse("the \(verb) is void: \(mismatch); review the run again (baton run status \(runID)) and decide on what it runs")
            return
        }
        if let earlier = step.votes.first(where: { $0.approver == vote.approver }) {
            refuse("\(vote.approver) already decided on step \(id) (\(earlier.decision.rawValue)); each operator counts once")
            return
        }
        let pending = step.requirements.filter { !isSatisfied($0, step, run) }
        guard pending.contains(where: vote.qualifies(for:)) else {
            let wanted = Set(pending.flatMap(\.roles)).sorted().joined(separator: " or ")
            let held = vote.roles.isEmpty ? "no role" : "roles " + vote.roles.joined(separator: ", ")
            refuse("step \(id) needs an approval from \(wanted); \(vote.approver) has \(held)")
            return
        }
        guard !vote.reason.allSatisfy(\.isWhitespace) else {
            refuse("a decision needs a reason (--reason TEXT)")
            return
        }
        record(runID, now, .approvalRecorded(step: id, vote: vote))
        if vote.decision == .deny {
            record(
                runID, now,
                .runBlocked(
                    step: id, reason: "step \(id) was denied by \(vote.approver): \(vote.reason); an operator may override or skip it"))
        } else {
            advance(runID, now: now)
        }
    }

    /// Why the vote does not match the run (another plan hash or other parameters), or nil.
    private func bindingMismatch(_ vote: ApprovalVote, _ run: RunState) -> String? {
        let parameters = run.plan.parameters
        let names = Set(parameters.keys).union(vote.parameters.keys).sorted()
        let changed = names.filter { parameters[$0] != vote.parameters[$0] }
        if let name = changed.first {
            let reviewed = vote.parameters[name].map { "'\($0)'" } ?? "not set"
            let actual = parameters[name].map { "'\($0)'" } ?? "not set"
            return "parameter \(name) is \(reviewed) in what was reviewed but \(actual) in run \(run.runID)"
        }
        guard vote.planHash == run.plan.hash else {
            return "it was given for plan \(vote.planHash.prefix(12)), but run \(run.runID) runs plan \(run.plan.hash.prefix(12))"
        }
        return nil
    }

    /// `baton run override`: mark verified, skip, or force past a failure, denial or pending approval.
    mutating func overrideStep(_ runID: RunID, _ id: StepID, _ override: StepOverride, now: Instant) {
        guard let (run, step) = commandTarget(runID, id) else { return }
        guard run.phase == .running || run.phase == .blocked else {
            refuse("run \(runID) is \(run.phase.rawValue); overrides apply to running or blocked runs")
            return
        }
        guard !override.reason.allSatisfy(\.isWhitespace) else {
            refuse("an override needs a reason (--reason TEXT)")
            return
        }
        let allowed: [StepStatus]
        switch override.kind {
        case .markVerified:
            allowed = [.pending, .waiting, .retrying, .failed, .unknown, .denied, .awaitingApproval, .awaitingOperator]
            guard !override.evidence.allSatisfy(\.isWhitespace) else {
                refuse("--mark-verified needs the evidence you checked (--evidence TEXT)")
                return
            }
            let declared = run.planned(id)?.outputs.map(\.name) ?? []
            let missing = declared.filter { override.outputs[$0] == nil }
            let unknown = override.outputs.keys.filter { !declared.contains($0) }.sorted()
            guard missing.isEmpty, unknown.isEmpty else {
                let need = missing.isEmpty ? "" : "step \(id) declares outputs it must be given: \(missing.joined(separator: ", "))"
                let extra = unknown.isEmpty ? "" : "step \(id) has no output \(unknown.joined(separator: ", "))"
                refuse([need, extra].filter { !$0.isEmpty }.joined(separator: "; ") + " (--output NAME=VALUE)")
                return
            }
        case .skip:
            allowed = [.pending, .waiting, .retrying, .failed, .unknown, .denied, .awaitingApproval, .awaitingOperator]
        case .forcePastFailure:
            allowed = [.failed, .unknown, .denied, .awaitingApproval]
        }
        if let parent = step.parent {
            refuse("\(id) is one host of the fanned-out step \(parent); override \(parent) once it has concluded")
            return
        }
        guard allowed.contains(step.status) else {
            refuse(
                "step \(id) is \(step.status.rawValue); --\(override.kind.rawValue) applies to a step that is "
                    + allowed.map(\.rawValue).joined(separator: ", "))
            return
        }
        record(runID, now, .stepOverridden(step: id, override: override))
        advance(runID, now: now)
    }

    /// The run and step an operator command names, or nil after refusing it.
    private mutating func commandTarget(_ runID: RunID, _ id: StepID) -> (RunState, StepState)? {
        guard let run = runs[runID] else {
            refuse("no run \(runID)")
            return nil
        }
        guard let step = run.steps[id] else {
            refuse("run \(runID) has no step \(id)")
            return nil
        }
        return (run, step)
    }

    private mutating func refuse(_ reason: String) {
        effects.append(.refuseCommand(reason: reason))
    }
}
