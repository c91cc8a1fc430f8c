import BatonModel

extension CoordinatorCore {
    mutating func advanceAll(now: Instant) {
        for runID in table.order where runs[runID]?.phase == .running {
            advance(runID, now: now)
        }
    }

    /// Dispatches every step whose needs are all verified, then finishes the run if every step is verified.
    mutating func advance(_ runID: RunID, now: Instant) {
        guard let run = runs[runID], run.phase == .running else { return }
        for planned in run.plan.steps {
            let step = runs[runID]!.steps[planned.id]!
            switch step.status {
            case .pending, .waiting:
                break
            case .retrying:
                guard let notBefore = step.retryNotBefore, now >= notBefore else { continue }
            case .dispatched, .verified, .failed, .unknown:
                continue
            }
            let gateOpen = planned.needs.allSatisfy { runs[runID]!.steps[$0]?.status == .verified }
            guard gateOpen else { continue }
            if let agent = pickAgent(for: planned.tier) {
                let attempt = step.attempt + 1
                record(runID, now, .stepDispatched(step: planned.id, attempt: attempt, agent: agent))
                effects.append(.assign(agent, assignment(runID, planned, attempt: attempt)))
            } else {
                let reason = "no connected agent of tier \(planned.tier)"
                if step.status != .waiting || step.waitingReason != reason {
                    record(runID, now, .stepWaiting(step: planned.id, reason: reason))
                }
            }
        }
        let allVerified = runs[runID]!.steps.values.allSatisfy { $0.status == .verified }
        if allVerified {
            record(runID, now, .runFinished(phase: .succeeded, reason: "all \(run.plan.steps.count) steps verified"))
        }
    }

    /// The connected, reconciled agent of the tier with the fewest steps in flight (ties: by name).
    func pickAgent(for tier: Tier) -> AgentIdentity? {
        let candidates = connectedAgents.filter { $0.tier == tier && !reconciling.contains($0) && !lapsed.contains($0) }
        guard !candidates.isEmpty else { return nil }
        let load = table.stepsInFlight()
        return candidates.min { (load[$0] ?? 0, $0) < (load[$1] ?? 0, $1) }
    }
}
