import Foundation
import Testing

/// SIGTERM: batond stops, keeps every run in its journal, and continues after a restart; an agent
/// finishes its step in flight within the drain timeout, or abandons it and reports which.
@Suite(.serialized)
struct DrainTests {
    static func slowChain(_ directory: String) -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: drain-chain, version: 1}
        params:
          d: {type: string}
        steps:
          - id: one
            tier: application
            run: [sh, -c, 'echo one >> "$D/effects"; sleep 0.5']
            env: {D: "${{ params.d }}"}
          - id: two
            tier: database
            needs: [one]
            run: [sh, -c, 'echo two >> "$D/effects"; sleep 0.5']
            env: {D: "${{ params.d }}"}
          - id: three
            tier: platform
            needs: [two]
            run: [sh, -c, 'echo three >> "$D/effects"; sleep 0.5']
            env: {D: "${{ params.d }}"}
        """
    }

    @Test func batondStopsOnSigtermAndARestartContinuesTheRun() throws {
        try withCluster { cluster in
            try cluster.startCoordinator(heartbeatMilliseconds: 200)
            try cluster.startThreeTiers()
            let path = try cluster.writePlaybook("drain.yaml", Self.slowChain(cluster.directory))
            let runID = try cluster.startRun(path, parameters: ["d": cluster.directory])
            _ = try cluster.waitForRun(runID) { run in
                (run["steps"] as? [[String: Any]])?.contains { $0["id"] as? String == "two" && $0["status"] as? String == "dispatched" } == true
            }
            let started = Date()
            let status = cluster.stopCoordinator(signal: SIGTERM)
            #expect(status == 0, "batond exited \(status) on SIGTERM")
            #expect(Date().timeIntervalSince(started) < 5)

            try cluster.startCoordinator(heartbeatMilliseconds: 200)
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            let effects = try String(contentsOfFile: cluster.directory + "/effects", encoding: .utf8)
            #expect(effects.split(separator: "\n") == ["one", "two", "three"], "each step exactly once, in order")
        }
    }

    static func single(_ seconds: String, _ directory: String) -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: drain-agent, version: 1}
        steps:
          - id: work
            tier: database
            run: [sh, -c, 'echo $$ > "\(directory)/pid"; sleep \(seconds)']
        """
    }

    @Test func anAgentFinishesItsStepOnSigtermWithinTheDrainTimeout() throws {
        try withCluster { cluster in
            try cluster.startCoordinator(heartbeatMilliseconds: 200)
            try cluster.startAgent("db-1", tier: "database", extraArguments: ["--drain-timeout-ms", "10000"])
            try cluster.waitForAgents(1)
            let runID = try cluster.startRun(try cluster.writePlaybook("short.yaml", Self.single("1", cluster.directory)))
            _ = try cluster.waitForRun(runID) { _ in FileManager.default.fileExists(atPath: cluster.directory + "/pid") }
            #expect(cluster.killAgent("db-1", signal: SIGTERM) == 0)
            let run = try cluster.waitForRun(runID, timeout: 10) { $0["phase"] as? String != "running" }
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            #expect(cluster.log("agent-db-1").contains("finished 1"))
        }
    }

    @Test func anAgentAbandonsALongStepOnSigtermAndReportsItUnknown() throws {
        try withCluster { cluster in
            try cluster.startCoordinator(heartbeatMilliseconds: 200)
            try cluster.startAgent("db-1", tier: "database", extraArguments: ["--drain-timeout-ms", "300"])
            try cluster.waitForAgents(1)
            let runID = try cluster.startRun(try cluster.writePlaybook("long.yaml", Self.single("60", cluster.directory)))
            _ = try cluster.waitForRun(runID) { _ in FileManager.default.fileExists(atPath: cluster.directory + "/pid") }
            Thread.sleep(forTimeInterval: 0.2)
            let pid = Int32(try String(contentsOfFile: cluster.directory + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(cluster.killAgent("db-1", signal: SIGTERM) == 0)
            #expect(cluster.log("agent-db-1").contains("abandoned 1"))
            // The abandoned attempt reached the coordinator before the agent exited: the step is
            // unknown, and the run (not idempotent) is blocked for an operator.
            let run = try cluster.waitForRun(runID, timeout: 10) { $0["phase"] as? String == "blocked" }
            let step = (run["steps"] as? [[String: Any]])?.first
            #expect(step?["status"] as? String == "unknown")
            #expect((step?["reason"] as? String)?.contains("abandoned") == true)
            #expect(AgentCrashTests.isGone(pid))
        }
    }
}
