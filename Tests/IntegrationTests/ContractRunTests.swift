import Foundation
import Testing

/// Step contracts end to end: real batond, real agents running real commands, the real CLI.
@Suite(.serialized)
struct ContractRunTests {
    static func steps(_ run: [String: Any]) -> [String: [String: Any]] {
        let list = run["steps"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["id"] as? String ?? "?", $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func journal(_ cluster: Cluster, _ runID: String) throws -> String {
        try cluster.baton(cluster.operatorArguments(["run", "watch", runID])).check().stdout
    }

    @Test func failingStepFiveRollsBackFourThreeAndOneInOrderAsPreviewed() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let dir = cluster.directory + "/rb"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            func forward(_ n: Int, _ tier: String, rollback: String) -> String {
                """
                  - id: s\(n)
                    tier: \(tier)
                    \(n > 1 ? "needs: [s\(n - 1)]" : "")
                    run: [touch, "\(dir)/done-\(n)"]
                    post: [{file: {path: "\(dir)/done-\(n)"}}]
                \(rollback)
                """
            }
            func undo(_ n: Int) -> String {
                """
                    rollback:
                      shell: 'echo undo-\(n) >> "$DIR/rollback.log"; rm -f "$DIR/done-\(n)"'
                      env: {DIR: "\(dir)"}
                      post: [{file: {path: "\(dir)/done-\(n)", exists: false}}]
                """
            }
            let playbook = try cluster.writePlaybook(
                "rollback.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: five-steps, version: 1}
                steps:
                \(forward(1, "platform", rollback: undo(1)))
                \(forward(2, "database", rollback: "    rollback: none"))
                \(forward(3, "application", rollback: undo(3)))
                \(forward(4, "platform", rollback: undo(4)))
                  - id: s5
                    tier: database
                    needs: [s4]
                    shell: 'sleep 2; exit 1'
                    rollback: none
                    on_failure: rollback
                """)
            let runID = try cluster.startRun(playbook, incident: "INC-RB")
            _ = try cluster.waitForRun(runID) { Self.steps($0)["s5"]?["status"] as? String == "dispatched" }
            let previewJSON = try cluster.baton(cluster.operatorArguments(["run", "rollback-plan", runID, "--format", "json"])).check()
            let preview = try JSONSerialization.jsonObject(with: Data(previewJSON.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(preview["planned"] as? Bool == false)
            let previewOrder = (preview["steps"] as? [[String: Any]] ?? []).compactMap { $0["undoes"] as? String }
            #expect(previewOrder == ["s4", "s3", "s1"])

            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "rolled-back", "run: \(run)")
            #expect((run["reason"] as? String)?.contains("rolled back s4, s3, s1") == true)
            let log = try String(contentsOfFile: dir + "/rollback.log", encoding: .utf8)
            #expect(log == "undo-4\nundo-3\nundo-1\n")
            let steps = Self.steps(run)
            for id in ["s4~rollback", "s3~rollback", "s1~rollback"] {
                #expect(steps[id]?["status"] as? String == "verified")
                let evidence = steps[id]?["evidence"] as? [[String: Any]] ?? []
                #expect(!evidence.isEmpty && evidence.allSatisfy { $0["passed"] as? Bool == true })
            }
            #expect(FileManager.default.fileExists(atPath: dir + "/done-2"), "s2 declared rollback: none")
            let after = try cluster.baton(cluster.operatorArguments(["run", "rollback-plan", runID, "--format", "json"])).check()
            let plan = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(plan["planned"] as? Bool == true)
            #expect((plan["steps"] as? [[String: Any]] ?? []).compactMap { $0["undoes"] as? String } == previewOrder)
            let text = try cluster.baton(cluster.operatorArguments(["run", "rollback-plan", runID])).check().stdout
            #expect(text.contains("triggered by the failure of s5"))
        }
    }

    @Test func outputsCrossTiersLiterallyAndRetriesBackOffAndWhenSkips() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let dir = cluster.directory + "/out"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let hostile = "$(touch \(dir)/pwned); rm -rf \(dir)/keep; `touch \(dir)/pwned2`"
            try "keep".write(toFile: dir + "/keep", atomically: true, encoding: .utf8)
            try JSONSerialization.data(withJSONObject: ["token": hostile, "mode": "slow"]).write(to: URL(fileURLWithPath: dir + "/source.json"))
            let playbook = try cluster.writePlaybook(
                "outputs.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: outputs, version: 1}
                steps:
                  - id: produce
                    tier: database
                    run: [cat, "\(dir)/source.json"]
                    rollback: none
                    outputs:
                      token: {type: string, from: stdout}
                      mode: {type: string, from: stdout}
                  - id: consume
                    tier: application
                    needs: [produce]
                    run: [sh, -c, 'printf %s "$1" > "$2"', sh, "${{ steps.produce.outputs.token }}", "\(dir)/received"]
                    rollback: none
                    post: [{file: {path: "\(dir)/received"}}]
                  - id: flaky
                    tier: platform
                    needs: [consume]
                    shell: 'echo x >> "$DIR/tries"; [ "$(wc -l < "$DIR/tries")" -ge 3 ]'
                    env: {DIR: "\(dir)"}
                    rollback: none
                    retries: {count: 3, backoff: 200ms, on: [action]}
                  - id: fast-only
                    tier: platform
                    needs: [produce]
                    when: "${{ steps.produce.outputs.mode }} == fast"
                    run: [touch, "\(dir)/fast"]
                    rollback: none
                """)
            let runID = try cluster.startRun(playbook, incident: "INC-OUT")
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "run: \(run)")
            let received = try String(contentsOfFile: dir + "/received", encoding: .utf8)
            #expect(received == hostile)
            #expect(!FileManager.default.fileExists(atPath: dir + "/pwned"))
            #expect(!FileManager.default.fileExists(atPath: dir + "/pwned2"))
            #expect(FileManager.default.fileExists(atPath: dir + "/keep"))
            let steps = Self.steps(run)
            #expect((steps["produce"]?["outputs"] as? [String: String])?["token"] == hostile)
            #expect(steps["flaky"]?["attempt"] as? Int == 3)
            #expect(steps["fast-only"]?["status"] as? String == "skipped")
            #expect(!FileManager.default.fileExists(atPath: dir + "/fast"))
            let journal = try Self.journal(cluster, runID)
            #expect(journal.contains("backoff 200 ms after attempt 1"))
            #expect(journal.contains("backoff 400 ms after attempt 2"))
            #expect(journal.contains("skipped: when:"))
        }
    }

    @Test func manualStepWaitsForAnOperatorWithEvidence() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let marker = cluster.directory + "/after-manual"
            let playbook = try cluster.writePlaybook(
                "manual.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: manual, version: 1}
                steps:
                  - id: confirm-failover
                    tier: database
                    manual: {instructions: "Ask the DBA on duty to confirm db-2 is primary"}
                  - id: after
                    tier: application
                    needs: [confirm-failover]
                    run: [touch, "\(marker)"]
                    rollback: none
                """)
            let runID = try cluster.startRun(playbook, incident: "INC-MAN")
            _ = try cluster.waitForRun(runID) { Self.steps($0)["confirm-failover"]?["status"] as? String == "awaiting-operator" }
            #expect(!FileManager.default.fileExists(atPath: marker))
            let wrong = try cluster.baton(cluster.operatorArguments(["run", "complete-step", runID, "after", "--evidence", "x"]))
            #expect(wrong.status == 1)
            #expect(wrong.stderr.contains("not a manual step"))
            try cluster.baton(
                cluster.operatorArguments([
                    "run", "complete-step", runID, "confirm-failover", "--evidence", "DBA J. Doe confirmed; ticket DBA-881",
                ])
            ).check()
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded")
            let step = Self.steps(run)["confirm-failover"] ?? [:]
            #expect((step["completedBy"] as? String)?.contains("alice") == true)
            #expect(step["note"] as? String == "DBA J. Doe confirmed; ticket DBA-881")
            #expect(FileManager.default.fileExists(atPath: marker))
        }
    }
}

/// `targets:` with real labelled agents: one host per matching agent, max_errors enforced.
@Suite(.serialized)
struct FanOutRunTests {
    @Test func maxErrorsOneStopsNewDispatchesAtTheSecondFailureAndKeepsTheGateClosed() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            for index in 1...4 {
                try cluster.startAgent("web-\(index)", tier: "application", extraArguments: ["--label", "role=web"])
            }
            try cluster.startAgent("batch-1", tier: "application", extraArguments: ["--label", "role=batch"])
            try cluster.startAgent("plat-1", tier: "platform")
            try cluster.waitForAgents(6)
            let dir = cluster.directory + "/fan"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let playbook = try cluster.writePlaybook(
                "fanout.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: fan-out, version: 1}
                params:
                  failing: {type: string}
                steps:
                  - id: restart-web
                    tier: application
                    targets: {labels: {role: web}, serial: 1, max_errors: 1}
                    shell: 'touch "$DIR/ran-$BATON_AGENT"; case " $FAILING " in *" $BATON_AGENT "*) exit 1;; esac'
                    env: {DIR: "\(dir)", FAILING: "${{ params.failing }}"}
                    rollback: none
                  - id: after
                    tier: platform
                    needs: [restart-web]
                    run: [touch, "\(dir)/after"]
                    rollback: none
                """)
            // Hosts run one at a time in name order: web-1 fails (tolerated), web-2 fails (the second failure).
            let runID = try cluster.startRun(playbook, incident: "INC-FAN", parameters: ["failing": "web-1 web-2"])
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "failed", "run: \(run)")
            let steps = ContractRunTests.steps(run)
            #expect(steps["restart-web"]?["status"] as? String == "failed")
            #expect((steps["restart-web"]?["note"] as? String)?.contains("2 of 4 hosts failed (max_errors 1)") == true)
            let ran = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(ran == ["ran-web-1", "ran-web-2"], "no new host after the second failure; the gate stays closed")
            #expect(steps["restart-web@application.web-3"]?["status"] as? String == "pending")
            #expect(steps["after"]?["status"] as? String == "pending")
            #expect(steps.keys.allSatisfy { !$0.contains("batch-1") })

            // One tolerated failure: every web host runs, the gate opens.
            let second = try cluster.startRun(playbook, incident: "INC-FAN2", parameters: ["failing": "web-3"])
            let done = try cluster.waitForRun(second)
            #expect(done["phase"] as? String == "succeeded", "run: \(done)")
            let note = ContractRunTests.steps(done)["restart-web"]?["note"] as? String
            #expect(note?.contains("3 of 4 hosts verified; 1 failure(s) tolerated") == true)
            #expect(FileManager.default.fileExists(atPath: dir + "/after"))
        }
    }
}
