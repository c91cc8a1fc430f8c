import Foundation
import Testing

/// The operator API over real HTTPS with client certificates, through the `baton` CLI.
@Suite(.serialized)
struct OperatorAPITests {
    @Test func anAgentCertificateIsNotAnOperator() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("db-1", tier: "database")
            let output = try cluster.baton([
                "agents", "list", "--coordinator", "https://127.0.0.1:\(cluster.apiPort)", "--ca", cluster.pki + "/ca.pem",
                "--cert", cluster.pki + "/agent-database-db-1.pem", "--key", cluster.pki + "/agent-database-db-1-key.pem",
            ])
            #expect(output.status == 1)
            #expect((output.stdout + output.stderr).contains("not an operator"), "\(output.stdout) \(output.stderr)")
        }
    }

    @Test func runListShowsRunsAndFiltersThem() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("app-1", tier: "application")
            try cluster.waitForAgents(1)
            let playbook = try cluster.writePlaybook(
                "one.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: one-step, version: 3}
                steps:
                  - id: ping
                    tier: application
                    run: ["true"]
                """)
            let first = try cluster.startRun(playbook, incident: "INC-1")
            let second = try cluster.startRun(playbook, incident: "INC-2")
            _ = try cluster.waitForRun(first)
            _ = try cluster.waitForRun(second)
            let text = try cluster.baton(cluster.operatorArguments(["run", "list"])).check().stdout
            #expect(text.contains(first) && text.contains(second) && text.contains("one-step@3") && text.contains("1/1"))
            let filtered = try cluster.baton(cluster.operatorArguments(["run", "list", "--incident", "INC-2", "--format", "json"])).check()
            let json = try JSONSerialization.jsonObject(with: Data(filtered.stdout.utf8)) as? [String: Any]
            let runs = json?["runs"] as? [[String: Any]] ?? []
            #expect(runs.map { $0["runID"] as? String } == [second])
            let bad = try cluster.baton(cluster.operatorArguments(["run", "list", "--phase", "done"]))
            #expect(bad.status != 0 && bad.stderr.contains("--phase done"))
        }
    }

    @Test func unknownRunsAreReportedClearly() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            let output = try cluster.baton(cluster.operatorArguments(["run", "status", "run-does-not-exist"]))
            #expect(output.status == 1)
            #expect((output.stdout + output.stderr).contains("no run run-does-not-exist"))
        }
    }

    @Test func aBrokenPlaybookIsRefusedBeforeAnythingIsSentWithPositions() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            let playbook = try cluster.writePlaybook(
                "broken.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: broken, version: 1}
                steps:
                  - id: a
                    tier: storage
                    run: ["true"]
                    needs: [b]
                """)
            let output = try cluster.baton(cluster.operatorArguments(["run", "start", playbook, "--incident", "INC-9"]))
            #expect(output.status == 1)
            let text = output.stdout + output.stderr
            #expect(text.contains("broken.yaml:6:11"), "\(text)")  // unknown tier, at the value
            #expect(text.contains("broken.yaml:8:"), "\(text)")  // needs naming no step
            #expect(!cluster.log("batond").contains("run started"), "a run was started from a broken playbook")
        }
    }
}
