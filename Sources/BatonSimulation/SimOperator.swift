import BatonModel
import CoordinatorCore

extension Simulation {
    /// An operator pauses a running run and resumes it a little later, or aborts it.
    func rollOperatorCommand() {
        let running = requestedRuns.sorted().filter { coordinator.durable[workload.runs[$0].runID]?.phase == .running }
        guard !running.isEmpty else { return }
        let run = running[random.int(0...(running.count - 1))]
        if random.chance(0.25) {
            queue.schedule(.operatorCommand(run: run, .abort(reason: "sim abort", rollback: false)), at: now)
        } else {
            queue.schedule(.operatorCommand(run: run, .pause(reason: "sim pause")), at: now)
        }
    }

    /// The command reaches the coordinator (later, if it is down: an operator tries again). A pause that
    /// took is resumed 0.5 to 4 s later.
    func operatorCommand(_ run: Int, _ command: RunCommand) {
        guard coordinator.core != nil else {
            queue.schedule(.operatorCommand(run: run, command), at: now + 250)
            return
        }
        let runID = workload.runs[run].runID
        coordinatorHandle(.operatorControlled(runID, command, principal: "sim", now: instant))
        if case .pause = command, coordinator.durable[runID]?.phase == .paused {
            queue.schedule(.operatorCommand(run: run, .resume(reason: "sim resume")), at: now + random.int64(500...4_000))
        }
    }
}
