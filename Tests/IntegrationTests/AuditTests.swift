import Foundation
import Testing

/// The audit log end to end: real batond, agents and CLI; tampering with the real SQLite file.
@Suite(.serialized)
struct AuditTests {
    static let playbook = """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: audit-small, version: 1}
        steps:
          - id: check-database
            tier: database
            run: [sh, -c, 'echo checked']
          - id: check-application
            tier: application
            needs: [check-database]
            run: [sh, -c, 'echo checked']
        """

    static func records(_ output: CommandOutput) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any]
        return json?["records"] as? [[String: Any]] ?? []
    }

    @Test func queryAnswersWhatTouchedAHostInAnIncidentAndVerifyFindsAnEditedRecord() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            try cluster.addOperator("vic", role: "viewer")
            try cluster.addOperator("root", role: "admin")
            let playbook = try cluster.writePlaybook("audit-small.yaml", Self.playbook)
            let runA = try cluster.startRun(playbook, incident: "INC-A")
            #expect(try cluster.waitForRun(runA)["phase"] as? String == "succeeded")
            let runB = try cluster.startRun(playbook, incident: "INC-B")
            #expect(try cluster.waitForRun(runB)["phase"] as? String == "succeeded")

            // What touched db-1 during INC-A: its dispatch and its report, of run A only.
            let touched = try Self.records(
                try cluster.batonAs("root", ["audit", "query", "--incident", "INC-A", "--agent", "db-1", "--format", "json"]).check())
            let actions = touched.compactMap { $0["action"] as? String }
            #expect(actions.contains("step.dispatch") && actions.contains("agent.report"), "records: \(touched)")
            for record in touched {
                #expect(record["incident"] as? String == "INC-A")
                #expect(record["agent"] as? String == "db-1")
                #expect(record["runID"] as? String == runA)
            }
            let report = try #require(touched.first { $0["action"] as? String == "agent.report" })
            #expect(report["actor"] as? String == "agent:database/db-1")
            #expect((report["detail"] as? String)?.contains("verified") == true)
            let incidentB = try Self.records(try cluster.batonAs("root", ["audit", "query", "--incident", "INC-B", "--format", "json"]).check())
            #expect(incidentB.contains { $0["action"] as? String == "run.start" && $0["runID"] as? String == runB })
            #expect(!incidentB.contains { $0["runID"] as? String == runA })
            // Events without a named mapping are audited through the generic path.
            #expect(incidentB.contains { $0["action"] as? String == "event.run-finished" && $0["actor"] as? String == "coordinator" })

            // Refusals are recorded: a viewer may not start runs (403, by the API); a step that is not
            // manual cannot be completed (409 from the API, and the coordinator's own refusal).
            let forbidden = try cluster.batonAs("vic", ["run", "start", playbook, "--incident", "INC-A"])
            #expect(forbidden.status == 1)
            let notManual = try cluster.batonAs("alice", ["run", "complete-step", runA, "check-database", "--evidence", "done"])
            #expect(notManual.status == 1)
            let refused = try Self.records(try cluster.batonAs("root", ["audit", "query", "--format", "json"]).check())
                .filter { $0["outcome"] as? String == "refused" }
            let byVic = refused.first { ($0["actor"] as? String)?.hasSuffix("/operator/viewer/vic") == true }
            #expect(byVic?["action"] as? String == "POST /v1/runs")
            #expect((byVic?["detail"] as? String)?.hasPrefix("403") == true, "refused: \(refused)")
            let byAlice = refused.filter { ($0["actor"] as? String)?.hasSuffix("/operator/responder/alice") == true }
            let apiRefusal = byAlice.first { $0["action"] as? String == "POST /v1/runs/{id}/steps/{step}/complete" }
            #expect((apiRefusal?["detail"] as? String)?.hasPrefix("409") == true, "refused: \(refused)")
            #expect(apiRefusal?["incident"] as? String == "INC-A" && apiRefusal?["stepID"] as? String == "check-database")
            #expect(byAlice.contains { $0["action"] as? String == "step.complete" && $0["runID"] as? String == runA })
            let text = try cluster.batonAs("root", ["audit", "query", "--incident", "INC-A", "--agent", "db-1"]).check()
            #expect(text.stdout.contains("agent.report") && text.stdout.contains("@db-1"))

            // Only an admin may verify; the untouched chain holds.
            #expect(try cluster.batonAs("alice", ["audit", "verify"]).status == 1)
            let intact = try cluster.batonAs("root", ["audit", "verify"]).check()
            #expect(intact.stdout.contains("audit chain intact"), "\(intact.stdout)")

            // Edit the detail of db-1's report directly in the database while batond is stopped.
            let sequence = try #require(report["sequence"] as? Int)
            cluster.stopCoordinator()
            let database = cluster.directory + "/data/baton.sqlite"
            let script = """
                import sqlite3, sys
                db = sqlite3.connect(sys.argv[1])
                db.execute("UPDATE audit SET detail = 'nothing to see' WHERE seq = ?", (int(sys.argv[2]),))
                db.commit()
                """
            try Cluster.run("/usr/bin/env", ["python3", "-c", script, database, String(sequence)]).check()
            try cluster.startCoordinator()

            let tampered = try cluster.batonAs("root", ["audit", "verify"])
            #expect(tampered.status == 1, "verify must fail: \(tampered.stdout) \(tampered.stderr)")
            #expect(tampered.stderr.contains("record \(sequence):"), "\(tampered.stderr)")
            let json = try cluster.batonAs("root", ["audit", "verify", "--format", "json"])
            #expect(json.status == 1)
            let answer = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(answer?["ok"] as? Bool == false)
            #expect(answer?["firstBadSequence"] as? Int == sequence)
        }
    }
}
