import Foundation
import Testing

/// End-to-end runs with a real batond, real agents and the real CLI over mutual TLS.
@Suite(.serialized)
struct WalkingSkeletonTests {
    static let examplePlaybook: String = {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return package.appendingPathComponent("examples/cache-tier-recovery.yaml").path
    }()

    static func steps(_ run: [String: Any]) -> [[String: Any]] { run["steps"] as? [[String: Any]] ?? [] }

    @Test func examplePlaybookVerifiesEveryStepInDependencyOrder() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let workdir = cluster.directory + "/state"
            let runID = try cluster.startRun(Self.examplePlaybook, incident: "INC-42", parameters: ["workdir": workdir])
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "run: \(run)")
            let steps = Self.steps(run)
            #expect(steps.map { $0["id"] as? String } == ["drain-traffic", "verify-replica", "restart-cache", "restore-traffic"])
            for step in steps {
                #expect(step["status"] as? String == "verified")
                let tier = step["tier"] as? String ?? "?"
                #expect((step["agent"] as? String)?.hasPrefix(tier + "/") == true, "step \(step["id"] ?? "") ran on \(step["agent"] ?? "nil")")
                let evidence = step["evidence"] as? [[String: Any]] ?? []
                #expect(!evidence.isEmpty && evidence.allSatisfy { $0["passed"] as? Bool == true })
            }
            // Gated progression: each step was dispatched only after the step it needs finished (journal times).
            for (previous, next) in zip(steps, steps.dropFirst()) {
                let finished = try #require(previous["finishedAt"] as? Int64 ?? (previous["finishedAt"] as? Int).map(Int64.init))
                let dispatched = try #require(next["dispatchedAt"] as? Int64 ?? (next["dispatchedAt"] as? Int).map(Int64.init))
                #expect(dispatched >= finished)
            }
            // The parameter reached the hosts: the real state files were written there.
            let app = try String(contentsOfFile: workdir + "/app.state", encoding: .utf8)
            #expect(app.contains("serving"))
            // The journal lists the dispatches in dependency order.
            let journal = try cluster.baton(cluster.operatorArguments(["run", "watch", runID])).check()
            let order = ["drain-traffic", "verify-replica", "restart-cache", "restore-traffic"].map { id in
                journal.stdout.range(of: "\(id)")?.lowerBound
            }
            #expect(order.allSatisfy { $0 != nil })
            #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
        }
    }

    @Test func postconditionFailureStopsTheRunAndTheDependentStepNeverStarts() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("app-1", tier: "application")
            try cluster.startAgent("db-1", tier: "database")
            try cluster.waitForAgents(2)
            let marker = cluster.directory + "/never-written"
            let playbook = try cluster.writePlaybook(
                "failing.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: failing-post, version: 1}
                params:
                  dir: {type: string}
                steps:
                  - id: flip-flag
                    tier: application
                    run: [sh, -c, 'echo off > "$DIR/flag"']
                    env: {DIR: "${{ params.dir }}"}
                    post:
                      - file: {path: "${{ params.dir }}/flag", contains: "on"}
                  - id: after-flag
                    tier: database
                    needs: [flip-flag]
                    run: [touch, "\(marker)"]
                """)
            let runID = try cluster.startRun(playbook, incident: "INC-7", parameters: ["dir": cluster.directory])
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "failed")
            #expect((run["reason"] as? String)?.contains("flip-flag") == true)
            let watch = try cluster.baton(cluster.operatorArguments(["run", "watch", runID]))
            #expect(watch.status == 1, "run watch must exit 1 for a failed run: \(watch.stdout) \(watch.stderr)")
            let steps = Self.steps(run)
            #expect(steps.first?["status"] as? String == "failed")
            #expect((steps.first?["exitCode"] as? Int) == 0)
            #expect((steps.first?["reason"] as? String)?.contains("postcondition failed") == true)
            #expect(steps.last?["status"] as? String == "pending")
            #expect(steps.last?["attempt"] as? Int == 0)
            Thread.sleep(forTimeInterval: 0.5)
            #expect(!FileManager.default.fileExists(atPath: marker), "the dependent step ran")
        }
    }

    @Test func aPlatformAgentNeverReceivesADatabaseStep() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("plat-1", tier: "platform")
            try cluster.waitForAgents(1)
            let marker = cluster.directory + "/db-step-ran"
            let playbook = try cluster.writePlaybook(
                "db.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: db-only, version: 1}
                steps:
                  - id: promote
                    tier: database
                    run: [touch, "\(marker)"]
                    post:
                      - file: {path: "\(marker)"}
                """)
            let runID = try cluster.startRun(playbook)
            Thread.sleep(forTimeInterval: 1.0)
            let waiting = try cluster.status(runID)
            let step = try #require(Self.steps(waiting).first)
            #expect(step["status"] as? String == "waiting")
            #expect((step["waitingReason"] as? String)?.contains("no connected agent of tier database") == true)
            #expect(!FileManager.default.fileExists(atPath: marker))
            #expect(cluster.log("agent-plat-1").contains("promote") == false, "the platform agent saw the database step")

            try cluster.startAgent("db-1", tier: "database")
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded")
            #expect(Self.steps(run).first?["agent"] as? String == "database/db-1")
        }
    }
}
