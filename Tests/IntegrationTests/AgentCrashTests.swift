import Foundation
import Testing

/// An agent killed with SIGKILL while its step's process runs: the step becomes `unknown` when the
/// lease lapses; when the agent comes back it kills the leftover process group and reports the
/// attempt `unknown`; idempotent steps are retried once, others block the run for an operator.
@Suite(.serialized)
struct AgentCrashTests {
    /// True if the process is gone or a zombie (this container's init does not reap orphans).
    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    static func playbook(idempotent: Bool, directory: String) -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: crash-agent, version: 1}
        steps:
          - id: reindex
            tier: database
            idempotent: \(idempotent)
            run: [sh, -c, 'echo ran >> "$D/effects"; echo $$ > "$D/pid"; if [ "$(wc -l < "$D/effects")" -eq 1 ]; then sleep 60; fi']
            env: {D: "\(directory)"}
            retries: 0
          - id: repoint
            tier: application
            needs: [reindex]
            run: ["true"]
        """
    }

    static func crashAgentMidStep(_ cluster: Cluster, idempotent: Bool) throws -> (runID: String, pid: Int32) {
        try cluster.startCoordinator(heartbeatMilliseconds: 200)
        try cluster.startAgent("db-1", tier: "database")
        try cluster.startAgent("app-1", tier: "application")
        try cluster.waitForAgents(2)
        let path = try cluster.writePlaybook("crash.yaml", playbook(idempotent: idempotent, directory: cluster.directory))
        let runID = try cluster.startRun(path)
        let pidFile = cluster.directory + "/pid"
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: pidFile) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        Thread.sleep(forTimeInterval: 0.2)
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))

        cluster.killAgent("db-1", signal: SIGKILL)
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? "(no /proc entry)"
        #expect(!isGone(pid), "the step's process died with the agent; the test needs it to outlive the agent: \(stat)")
        // The lease (3 heartbeats of 200 ms) lapses: the step is unknown, not verified, not failed.
        let lapsed = try cluster.waitForRun(runID) { run in
            (run["steps"] as? [[String: Any]])?.first?["status"] as? String == "unknown"
        }
        #expect(lapsed["phase"] as? String == "running")
        return (runID, pid)
    }

    @Test func aNonIdempotentStepInterruptedByAnAgentCrashBlocksTheRunAndLeavesNoOrphan() throws {
        try withCluster { cluster in
            let (runID, pid) = try Self.crashAgentMidStep(cluster, idempotent: false)
            try cluster.startAgent("db-1", tier: "database")  // same journal
            let run = try cluster.waitForRun(runID) { $0["phase"] as? String == "blocked" }
            #expect((run["reason"] as? String)?.contains("not idempotent") == true)
            let steps = run["steps"] as? [[String: Any]] ?? []
            #expect(steps.first?["status"] as? String == "unknown")
            #expect(steps.last?["status"] as? String == "pending")
            let deadline = Date().addingTimeInterval(5)
            while !Self.isGone(pid) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            #expect(Self.isGone(pid), "process \(pid) of the interrupted step survived the agent's restart")
            let effects = try String(contentsOfFile: cluster.directory + "/effects", encoding: .utf8)
            #expect(effects.split(separator: "\n").count == 1, "a non-idempotent step ran twice")
            let status = try cluster.baton(cluster.operatorArguments(["run", "status", runID]))
            #expect(status.stdout.contains("blocked"))
        }
    }

    @Test func anIdempotentStepInterruptedByAnAgentCrashIsRetriedOnce() throws {
        try withCluster { cluster in
            let (runID, pid) = try Self.crashAgentMidStep(cluster, idempotent: true)
            try cluster.startAgent("db-1", tier: "database")
            let run = try cluster.waitForRun(runID) { ($0["phase"] as? String).map { $0 != "running" } ?? false }
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            let steps = run["steps"] as? [[String: Any]] ?? []
            #expect(steps.first?["attempt"] as? Int == 2)
            #expect(Self.isGone(pid))
            let effects = try String(contentsOfFile: cluster.directory + "/effects", encoding: .utf8)
            #expect(effects.split(separator: "\n").count == 2, "expected the first attempt and exactly one retry")
        }
    }
}
