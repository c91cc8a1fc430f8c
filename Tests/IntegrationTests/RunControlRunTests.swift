import Foundation
import Testing

/// Abort, pause/resume and retry end to end: real batond, real agents running real processes, the real CLI.
@Suite(.serialized)
struct RunControlRunTests {
    static func steps(_ run: [String: Any]) -> [String: [String: Any]] { ContractRunTests.steps(run) }

    /// Whether the process is alive (a zombie is not: it has exited and only waits to be reaped).
    static func alive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(after: close)...].split(separator: " ").first != "Z"
    }

    static func waitForFiles(_ paths: [String], timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !paths.allSatisfy({ (try? String(contentsOfFile: $0, encoding: .utf8))?.hasSuffix("\n") == true }) {
            guard Date() < deadline else { throw HarnessError("timed out waiting for \(paths)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    static func json(_ output: CommandOutput) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(output.check().stdout.utf8)) as? [String: Any] ?? [:]
    }

    /// Makes a working directory `name` for the playbook's files and writes the playbook whose steps
    /// `steps(dir)` returns; answers (dir, playbook path).
    static func playbook(_ cluster: Cluster, _ name: String, steps: (String) -> String) throws -> (dir: String, path: String) {
        let dir = cluster.directory + "/" + name
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = "apiVersion: baton/v1\nkind: Playbook\nmetadata: {name: \(name), version: 1}\nsteps:\n" + steps(dir)
        return (dir, try cluster.writePlaybook(name + ".yaml", text))
    }

    static func lines(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func abortKillsTheStepsWholeProcessGroupWithinFiveSecondsAndEndsAborted() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            // The leader, a child, and a grandchild that ignores SIGTERM (only SIGKILL stops it).
            let (dir, playbook) = try Self.playbook(cluster, "abort") { dir in
                """
                  - id: restore
                    tier: database
                    shell: 'sleep 60 & echo $! > "$DIR/child.pid"; (trap "" TERM; sleep 60 & echo $! > "$DIR/stubborn.pid"; wait) & echo $$ > "$DIR/leader.pid"; wait'
                    env: {DIR: "\(dir)"}
                    timeout: 5m
                  - id: after
                    tier: application
                    needs: [restore]
                    run: [touch, "\(dir)/after-ran"]
                """
            }
            let runID = try cluster.startRun(playbook, incident: "INC-ABORT")
            let pidFiles = ["leader", "child", "stubborn"].map { "\(dir)/\($0).pid" }
            try Self.waitForFiles(pidFiles)
            let pids = try pidFiles.map { path -> Int32 in
                try #require(Int32(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            }
            #expect(pids.allSatisfy(Self.alive), "the step runs: \(pids)")
            let api = { (path: String, body: String) in
                try cluster.baton(cluster.operatorArguments(["api", "POST", path, "--data", body, "--include"]))
            }
            let noReason = try api("/v1/runs/\(runID)/abort", "{\"rollback\": true}")
            #expect(AuthorizationTests.status(noReason) == 400 && noReason.stdout.contains("missing field 'reason'"), "\(noReason.stdout)")
            let blank = try api("/v1/runs/\(runID)/abort", "{\"reason\": \" \"}")
            #expect(AuthorizationTests.status(blank) == 400 && blank.stdout.contains("'reason' must not be empty"), "\(blank.stdout)")
            let unknownRun = try api("/v1/runs/run-none/pause", "")
            #expect(AuthorizationTests.status(unknownRun) == 404 && unknownRun.stdout.contains("no run run-none"), "\(unknownRun.stdout)")
            #expect(try cluster.status(runID)["phase"] as? String == "running", "bad requests changed nothing")

            let aborted = try Self.json(
                cluster.baton(cluster.operatorArguments(["run", "abort", runID, "--reason", "restore makes lag worse", "--format", "json"])))
            #expect(aborted["phase"] as? String == "aborted")
            let abortedAt = Date()
            while pids.contains(where: Self.alive), Date().timeIntervalSince(abortedAt) < 5 { Thread.sleep(forTimeInterval: 0.05) }
            #expect(!pids.contains(where: Self.alive), "still alive 5 s after the abort: \(pids.filter(Self.alive))")

            let run = try cluster.waitForRun(runID) { Self.steps($0)["restore"]?["status"] as? String == "cancelled" }
            #expect(run["phase"] as? String == "aborted")
            let restore = try #require(Self.steps(run)["restore"])
            #expect(restore["failureKind"] as? String == "cancelled")
            let evidence = (restore["evidence"] as? [[String: Any]] ?? []).compactMap { $0["observed"] as? String }.joined()
            #expect(evidence.contains("SIGTERM") && evidence.contains("SIGKILL"), "\(evidence)")
            for pid in pids { #expect(evidence.contains("\(pid)"), "evidence names pid \(pid): \(evidence)") }
            #expect(evidence.contains("no process of the group is left"), "\(evidence)")
            #expect(Self.steps(run)["after"]?["status"] as? String == "pending")
            #expect(!FileManager.default.fileExists(atPath: dir + "/after-ran"))

            let again = try cluster.baton(cluster.operatorArguments(["run", "abort", runID, "--reason", "twice"]))
            #expect(again.status == 1)
            #expect(again.stderr.contains("run \(runID) is aborted; only an unfinished run can be aborted"), "\(again.stderr)")
            let audit = try cluster.baton(cluster.operatorArguments(["audit", "query", "--run", runID, "--format", "json"])).check().stdout
            #expect(audit.contains("run.abort") && audit.contains("step.cancel"), "\(audit)")
        }
    }

    @Test func pausedRunStartsNoStepUntilResumed() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let (dir, playbook) = try Self.playbook(cluster, "pause") { dir in
                """
                  - id: drain
                    tier: database
                    shell: 'sleep 1; touch "$DIR/drained"'
                    env: {DIR: "\(dir)"}
                    post: [{file: {path: "\(dir)/drained"}}]
                  - id: restart
                    tier: application
                    needs: [drain]
                    run: [touch, "\(dir)/restart-started"]
                """
            }
            let runID = try cluster.startRun(playbook, incident: "INC-PAUSE")
            _ = try cluster.waitForRun(runID) { Self.steps($0)["drain"]?["status"] as? String == "dispatched" }
            let paused = try Self.json(cluster.baton(cluster.operatorArguments(["run", "pause", runID, "--reason", "DBA check", "--format", "json"])))
            #expect(paused["phase"] as? String == "paused")
            let drained = try cluster.waitForRun(runID) { Self.steps($0)["drain"]?["status"] as? String == "verified" }
            #expect(drained["phase"] as? String == "paused", "the step in flight finished and was gated; the run stays paused")
            Thread.sleep(forTimeInterval: 1.5)
            let still = try cluster.status(runID)
            #expect(Self.steps(still)["restart"]?["status"] as? String == "pending")
            #expect(!FileManager.default.fileExists(atPath: dir + "/restart-started"), "no step starts while paused")

            let refused = try cluster.baton(cluster.operatorArguments(["run", "pause", runID]))
            #expect(refused.status == 1 && refused.stderr.contains("is paused; only a running run can be paused"), "\(refused.stderr)")
            try cluster.baton(cluster.operatorArguments(["run", "resume", runID, "--reason", "go"])).check()
            let done = try cluster.waitForRun(runID)
            #expect(done["phase"] as? String == "succeeded", "\(done)")
            #expect(FileManager.default.fileExists(atPath: dir + "/restart-started"))
        }
    }

    @Test func retryOfOneFailedHostOfAFiveHostFanOutRerunsExactlyThatHost() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            for index in 1...5 {
                try cluster.startAgent("web-\(index)", tier: "application", extraArguments: ["--label", "role=web"])
            }
            try cluster.waitForAgents(5)
            let (dir, playbook) = try Self.playbook(cluster, "fan") { dir in
                """
                  - id: restart
                    tier: application
                    targets: {labels: {role: web}}
                    shell: 'echo "attempt $BATON_ATTEMPT" >> "$DIR/$BATON_AGENT.runs"; [ "$BATON_AGENT" != web-3 ] || [ -f "$DIR/web-3.fixed" ]'
                    env: {DIR: "\(dir)"}
                """
            }
            let runID = try cluster.startRun(playbook, incident: "INC-FAN")
            let failed = try cluster.waitForRun(runID)
            #expect(failed["phase"] as? String == "failed", "\(failed)")
            let planHash = failed["planHash"] as? String
            try "".write(toFile: dir + "/web-3.fixed", atomically: true, encoding: .utf8)

            try cluster.baton(cluster.operatorArguments(["run", "retry", runID, "--step", "restart", "--failed-targets", "--reason", "disk freed"])).check()
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            #expect(run["runID"] as? String == runID)
            #expect(run["planHash"] as? String == planHash)
            for index in 1...5 {
                #expect(Self.lines("\(dir)/web-\(index).runs") == (index == 3 ? 2 : 1), "web-\(index) ran \(Self.lines("\(dir)/web-\(index).runs")) time(s)")
            }
            #expect((try? String(contentsOfFile: dir + "/web-3.runs", encoding: .utf8)) == "attempt 1\nattempt 2\n")
            #expect(Self.steps(run)["restart@application.web-3"]?["attempt"] as? Int == 2)
        }
    }

    @Test func retryOfAFailedStepContinuesTheSameRunToSuccess() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startThreeTiers()
            let (dir, playbook) = try Self.playbook(cluster, "retry") { dir in
                """
                  - id: prepare
                    tier: platform
                    shell: 'echo run >> "$DIR/prepare.runs"'
                    env: {DIR: "\(dir)"}
                  - id: migrate
                    tier: database
                    needs: [prepare]
                    run: [test, -f, "\(dir)/flag"]
                  - id: announce
                    tier: application
                    needs: [migrate]
                    run: [touch, "\(dir)/announced"]
                """
            }
            let runID = try cluster.startRun(playbook, incident: "INC-RETRY")
            let failed = try cluster.waitForRun(runID)
            #expect(failed["phase"] as? String == "failed", "\(failed)")
            let refused = try cluster.baton(cluster.operatorArguments(["run", "retry", runID, "--step", "prepare"]))
            #expect(refused.status == 1 && refused.stderr.contains("step prepare is verified"), "\(refused.stderr)")

            try "".write(toFile: dir + "/flag", atomically: true, encoding: .utf8)
            let retried = try Self.json(cluster.baton(cluster.operatorArguments(["run", "retry", runID, "--reason", "flag restored", "--format", "json"])))
            #expect(retried["runID"] as? String == runID)
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            #expect(Self.steps(run)["migrate"]?["attempt"] as? Int == 2)
            #expect(Self.lines(dir + "/prepare.runs") == 1, "a verified step is not run again")
            #expect(FileManager.default.fileExists(atPath: dir + "/announced"))
            #expect(run["planHash"] as? String == failed["planHash"] as? String)
        }
    }

    @Test func retryingAStepThatRequiresApprovalNeedsTheApproverRole() throws {
        try withCluster { cluster in
            try cluster.addOperator("carol", role: "approver")
            try cluster.addOperator("dave", role: "responder")
            let bindings = cluster.directory + "/roles.yaml"
            try "apiVersion: baton/v1\nkind: RoleBindings\nbindings:\n  dave: [approver]\n".write(
                toFile: bindings, atomically: true, encoding: .utf8)
            try cluster.startCoordinator(extraArguments: ["--roles", bindings])
            try cluster.startThreeTiers()
            let (dir, playbook) = try Self.playbook(cluster, "gated") { dir in
                """
                  - id: promote
                    tier: database
                    run: [test, -f, "\(dir)/flag"]
                    approval: {roles: [approver], quorum: 1, timeout: 10m}
                """
            }
            let runID = try cluster.startRun(playbook, incident: "INC-GATE")
            _ = try cluster.waitForRun(runID) { Self.steps($0)["promote"]?["status"] as? String == "awaiting-approval" }
            try cluster.batonAs("carol", ["run", "approve", runID, "promote", "--reason", "ok"]).check()
            #expect(try cluster.waitForRun(runID)["phase"] as? String == "failed")
            let plain = try cluster.batonAs("alice", ["run", "retry", runID])
            #expect(plain.status == 1 && plain.stderr.contains("retrying promote needs the role approver"), "\(plain.stderr)")
            #expect(try cluster.status(runID)["phase"] as? String == "failed", "the refusal changed nothing")
            try "".write(toFile: dir + "/flag", atomically: true, encoding: .utf8)
            try cluster.batonAs("dave", ["run", "retry", runID, "--reason", "CAB-7"]).check()
            #expect(try cluster.waitForRun(runID)["phase"] as? String == "succeeded")
        }
    }
}
