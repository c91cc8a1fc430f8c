import BatonModel

extension CoordinatorCore {
    /// The attempts an agent holds that have no report yet (dispatched, or unknown after a lapsed lease).
    func openAttempts(of agent: AgentIdentity) -> [AttemptKey] {
        var keys: [AttemptKey] = []
        for runID in table.order {
            // An aborted run's cancelled attempts are still asked about until their agents report them.
            guard let run = runs[runID], !run.phase.isFinished || run.phase == .aborted else { continue }
            for id in run.order {
                guard let step = run.steps[id], step.agent == agent else { continue }
                if step.status == .dispatched || (step.status == .unknown && step.leaseExpired) {
                    keys.append(AttemptKey(runID: runID, stepID: id, attempt: step.attempt))
                }
            }
        }
        return keys
    }

    /// Asks the agent about its open attempts before it gets anything new.
    mutating func startReconciliation(with agent: AgentIdentity) {
        let keys = openAttempts(of: agent)
        guard !keys.isEmpty else { return }
        reconciling.insert(agent)
        effects.append(.reconcile(agent, keys))
    }

    mutating func reconciled(_ agent: AgentIdentity, _ states: [AttemptKey: AttemptState], now: Instant) {
        reconciling.remove(agent)
        for key in openAttempts(of: agent) {
            guard let run = runs[key.runID], let step = run.steps[key.stepID] else { continue }
            if let state = states[key], reconcileCancelled(key, state, from: agent, now: now) { continue }
            switch states[key] {
            case .completed(let report)?:
                receive(report, from: agent, now: now)
            case .running?:
                if step.status == .unknown {
                    record(key.runID, now, .stepReconciled(step: key.stepID, attempt: key.attempt, agent: agent, finding: .running))
                }
            case .notFound?:
                // The agent journals an attempt before running it: no record means it never ran.
                record(key.runID, now, .stepReconciled(step: key.stepID, attempt: key.attempt, agent: agent, finding: .resent))
                if let assignment = assignment(key.runID, key.stepID, attempt: key.attempt) {
                    effects.append(.assign(agent, assignment))
                }
            case nil:
                // Not answered: ask again on the next sign of life.
                lapsed.insert(agent)
            }
        }
    }

    /// Attempts on agents not heard from within the lease become `unknown`.
    mutating func expireLeases(now: Instant) {
        for runID in table.order {
            guard let run = runs[runID], run.phase.isActive || run.phase == .paused, !run.inFlight.isEmpty else { continue }
            // In `order`, so that expiries are journaled in the same order in every process.
            for id in run.order where run.inFlight[id] != nil {
                guard let step = run.steps[id], step.status == .dispatched, let agent = step.agent else { continue }
                guard let heard = lastHeard[agent] else {
                    // Recovered after a restart: the lease starts now.
                    lastHeard[agent] = now
                    continue
                }
                let silence = now.millisecondsSinceEpoch - heard.millisecondsSinceEpoch
                guard silence > leaseTimeoutMilliseconds else { continue }
                lapsed.insert(agent)
                reconciling.remove(agent)
                record(
                    runID, now,
                    .stepLeaseExpired(
                        step: id, attempt: step.attempt, agent: agent,
                        reason: "no word from \(agent) for \(silence) ms (lease \(leaseTimeoutMilliseconds) ms)"))
            }
        }
    }
}
