import Foundation
import Testing

/// The playbook catalog end to end, on a batond without --dev-mode: roles, lifecycle, pinning.
@Suite(.serialized)
struct CatalogTests {
    /// Version `version` of playbook `pinned`: a manual step holds the run, then `work-vN` touches a marker.
    static func playbook(version: Int, marker: String, comment: String = "") -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: pinned, version: \(version)}
        steps:
          - id: hold
            tier: database
            manual: {instructions: "Confirm the replica is healthy"}
          - id: work-v\(version)
            tier: application
            needs: [hold]
            run: [touch, "\(marker)"]
            rollback: none
        \(comment)
        """
    }

    static func json(_ output: CommandOutput) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] ?? [:]
    }

    @Test func catalogLifecycleRolesAndPinning() throws {
        try withCluster { cluster in
            try cluster.addOperator("ann", role: "author")
            try cluster.addOperator("pete", role: "publisher")
            // ann may also publish, so her refusal below comes from the four-eyes rule, not from her roles.
            let roles = try cluster.writePlaybook(
                "roles.yaml", "apiVersion: baton/v1\nkind: RoleBindings\nbindings:\n  ann: [author, publisher]\n")
            try cluster.startCoordinator(extraArguments: ["--roles", roles], devMode: false)
            try cluster.startThreeTiers()
            let markerV1 = cluster.directory + "/done-v1"
            let markerV2 = cluster.directory + "/done-v2"
            let v1 = try cluster.writePlaybook("pinned-v1.yaml", Self.playbook(version: 1, marker: markerV1))
            let v2 = try cluster.writePlaybook("pinned-v2.yaml", Self.playbook(version: 2, marker: markerV2))

            // The author pushes v1; only another publisher may publish it.
            let pushed = try Self.json(try cluster.batonAs("ann", ["catalog", "push", v1, "--format", "json"]).check())
            #expect(pushed["created"] as? Bool == true)
            let ownPublish = try cluster.batonAs("ann", ["catalog", "publish", "pinned@1"])
            #expect(ownPublish.status == 1)
            #expect(ownPublish.stderr.contains("ann pushed pinned@1; another publisher must publish it"), "\(ownPublish.stderr)")
            let responderPush = try cluster.batonAs("alice", ["catalog", "push", v2])
            #expect(responderPush.status == 1)
            #expect(responderPush.stderr.contains("needs the role author"), "\(responderPush.stderr)")
            let draftRun = try cluster.batonAs("alice", ["run", "start", "pinned@1", "--incident", "INC-CAT"])
            #expect(draftRun.status == 1)
            #expect(draftRun.stderr.contains("pinned@1 is not published"), "\(draftRun.stderr)")
            try cluster.batonAs("pete", ["catalog", "publish", "pinned@1"]).check()

            // A responder starts v1 from the catalog; it is held in flight by the manual step.
            let started = try Self.json(
                try cluster.batonAs("alice", ["run", "start", "pinned@1", "--incident", "INC-CAT", "--format", "json"]).check())
            let runID = try #require(started["runID"] as? String)
            let v1Hash = try #require(started["planHash"] as? String)
            let localPlan = try Self.json(try cluster.baton(["playbook", "plan", v1, "--format", "json"]).check())
            #expect(localPlan["hash"] as? String == v1Hash, "the run's plan is v1's plan")
            _ = try cluster.waitForRun(runID) { ContractRunTests.steps($0)["hold"]?["status"] as? String == "awaiting-operator" }

            // Mid-run: v2 is pushed and published; v1 cannot be overwritten with other content.
            try cluster.batonAs("ann", ["catalog", "push", v2]).check()
            try cluster.batonAs("pete", ["catalog", "publish", "pinned@2"]).check()
            let changed = try cluster.writePlaybook(
                "pinned-v1-changed.yaml", Self.playbook(version: 1, marker: markerV1, comment: "# edited"))
            let overwrite = try cluster.batonAs("ann", ["catalog", "push", changed])
            #expect(overwrite.status == 1)
            #expect(overwrite.stderr.contains("pinned@1 is already in the catalog with content hash"), "\(overwrite.stderr)")
            let samePush = try cluster.batonAs("ann", ["catalog", "push", v1]).check()
            #expect(samePush.stdout.contains("nothing changed"))

            // The in-flight run finishes on v1's plan.
            try cluster.batonAs("alice", ["run", "complete-step", runID, "hold", "--evidence", "replica ok"]).check()
            let finished = try cluster.waitForRun(runID)
            #expect(finished["phase"] as? String == "succeeded", "\(finished)")
            #expect(finished["planHash"] as? String == v1Hash)
            #expect(finished["playbookVersion"] as? String == "1")
            #expect(Set(ContractRunTests.steps(finished).keys) == ["hold", "work-v1"])
            #expect(FileManager.default.fileExists(atPath: markerV1))
            #expect(!FileManager.default.fileExists(atPath: markerV2))

            // diff shows the changed line.
            let diff = try cluster.batonAs("alice", ["catalog", "diff", "pinned@1", "pinned@2"]).check()
            #expect(diff.stdout.contains("-   - id: work-v1"), "\(diff.stdout)")
            #expect(diff.stdout.contains("+   - id: work-v2"), "\(diff.stdout)")

            // Deprecated: runs start, with a warning naming the replacement.
            try cluster.batonAs("pete", ["catalog", "deprecate", "pinned@1", "--replacement", "pinned@2", "--reason", "v2 checks more"])
                .check()
            let deprecatedRun = try cluster.batonAs("alice", ["run", "start", "pinned@1", "--incident", "INC-CAT-2"]).check()
            #expect(deprecatedRun.stderr.contains("pinned@1 is deprecated; use pinned@2"), "\(deprecatedRun.stderr)")

            // Retired: new runs are refused and pointed to the replacement.
            try cluster.batonAs("pete", ["catalog", "retire", "pinned@1", "--replacement", "pinned@2"]).check()
            let retiredRun = try cluster.batonAs("alice", ["run", "start", "pinned@1", "--incident", "INC-CAT-3"])
            #expect(retiredRun.status == 1)
            #expect(retiredRun.stderr.contains("pinned@1 is retired; use pinned@2"), "\(retiredRun.stderr)")

            let list = try Self.json(try cluster.batonAs("alice", ["catalog", "list", "--format", "json"]).check())
            let states = (list["versions"] as? [[String: Any]] ?? []).map { "\($0["reference"] ?? "")=\($0["state"] ?? "")" }
            #expect(states == ["pinned@1=retired", "pinned@2=published"])

            // Without dev mode a file is refused, with a hint to use the catalog.
            let upload = try cluster.batonAs("alice", ["run", "start", v2, "--incident", "INC-CAT-4"])
            #expect(upload.status == 1)
            #expect(upload.stderr.contains("dev mode off") && upload.stderr.contains("baton catalog push"), "\(upload.stderr)")
        }
    }
}
