import Foundation
import Testing

/// Policies, approvals and overrides through real batond, agents and CLI.
@Suite(.serialized)
struct GovernanceRunTests {
    /// `PolicyPlanTests.policy` (restore-needs-compat) and a rule asking two approvers for every restore.
    static let policy = PolicyPlanTests.policy + """

          - id: two-approvers-for-restore
            kind: require_approval
            message: a restore needs two approvers
            step: {tags: [database.restore]}
            approval: {roles: [approver], quorum: 2, timeout: 10m}
        """

    /// compat runs only when `check` is yes; restore-db needs it. `compatTag: false` breaks the policy statically.
    static func playbook(compatTag: Bool = true) -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: restore, version: 1}
        params:
          check: {type: string, default: "yes"}
        steps:
          - id: compat
            tier: application
            tags: [\(compatTag ? "application.compat-verified" : "application.smoke")]
            when: "${{ params.check }} == yes"
            run: ["true"]
            rollback: none
          - id: restore-db
            tier: database
            tags: [database.restore]
            needs: [compat]
            run: ["true"]
            rollback: none
        """
    }

    static func step(_ run: [String: Any], _ id: String) -> [String: Any] {
        (run["steps"] as? [[String: Any]] ?? []).first { $0["id"] as? String == id } ?? [:]
    }

    /// A cluster with the policy loaded, three agents, alice (responder, bound to approver too),
    /// approvers bob and carol, and admin root.
    static func cluster() throws -> Cluster {
        let cluster = try Cluster()
        try FileManager.default.createDirectory(atPath: cluster.directory + "/policies", withIntermediateDirectories: true)
        try policy.write(toFile: cluster.directory + "/policies/db.yaml", atomically: true, encoding: .utf8)
        try "apiVersion: baton/v1\nkind: RoleBindings\nbindings:\n  alice: [responder, approver]\n".write(
            toFile: cluster.directory + "/roles.yaml", atomically: true, encoding: .utf8)
        for (name, role) in [("bob", "approver"), ("carol", "approver"), ("root", "admin"), ("ann", "author")] {
            try cluster.addOperator(name, role: role)
        }
        try cluster.startCoordinator(
            extraArguments: ["--policy", cluster.directory + "/policies", "--roles", cluster.directory + "/roles.yaml"])
        try cluster.startThreeTiers()
        return cluster
    }

    @Test("restore before compat: refused at start naming the rule; denied at the gate when compat is skipped; forced by an admin")
    func restoreBeforeCompat() throws {
        let cluster = try Self.cluster()
        defer { cluster.shutdown() }
        let bad = try cluster.writePlaybook("bad.yaml", Self.playbook(compatTag: false))
        let refused = try cluster.baton(cluster.operatorArguments(["run", "start", bad, "--incident", "INC-P"]))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("policy rule") && refused.stderr.contains("restore-needs-compat"), "\(refused.stderr)")
        #expect(refused.stderr.contains("application.compat-verified"), "\(refused.stderr)")
        // Nor can it enter the catalog: it could never start here.
        let pushed = try cluster.batonAs("ann", ["catalog", "push", bad])
        #expect(pushed.status == 1)
        #expect(pushed.stderr.contains("breaks 1 policy rule") && pushed.stderr.contains("restore-needs-compat"), "\(pushed.stderr)")

        let good = try cluster.writePlaybook("good.yaml", Self.playbook())
        let runID = try cluster.startRun(good, incident: "INC-P", parameters: ["check": "no"])
        let blocked = try cluster.waitForRun(runID) { $0["phase"] as? String == "blocked" }
        let restore = Self.step(blocked, "restore-db")
        #expect(restore["status"] as? String == "denied")
        let violations = (restore["governance"] as? [String: Any])?["violations"] as? [String] ?? []
        #expect(violations.contains { $0.contains("rule restore-needs-compat") && $0.contains("no step tagged application.compat-verified") }, "\(restore)")
        #expect((blocked["reason"] as? String)?.contains("restore-needs-compat") == true)

        let text = try cluster.baton(cluster.operatorArguments(["run", "status", runID])).check()
        #expect(text.stdout.contains("denied") && text.stdout.contains("restore-needs-compat"), "\(text.stdout)")

        // alice is not an admin: refused, naming the role.
        let notAdmin = try cluster.batonAs("alice", ["run", "override", runID, "restore-db", "--force-past-failure", "--reason", "CAB-1"])
        #expect(notAdmin.status == 1)
        #expect(notAdmin.stderr.contains("needs the role admin"), "\(notAdmin.stderr)")

        try cluster.batonAs("root", ["run", "override", runID, "restore-db", "--force-past-failure", "--reason", "compat checked by the app team, CAB-1"]).check()
        let done = try cluster.waitForRun(runID)
        #expect(done["phase"] as? String == "succeeded", "\(done)")
        #expect(done["automated"] as? Bool == false)
        let overrides = (Self.step(done, "restore-db")["governance"] as? [String: Any])?["overrides"] as? [[String: Any]] ?? []
        #expect(overrides.first?["kind"] as? String == "force-past-failure")
        #expect((overrides.first?["by"] as? String)?.hasSuffix("/root") == true)

        // The audit log has the denial, alice's refused attempt and root's override, for this incident.
        let audit = try cluster.batonAs("alice", ["audit", "query", "--incident", "INC-P", "--format", "json"]).check()
        let records = (try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])?["records"] as? [[String: Any]] ?? []
        func has(_ action: String, _ outcome: String, actor suffix: String) -> Bool {
            records.contains {
                $0["action"] as? String == action && $0["outcome"] as? String == outcome && $0["runID"] as? String == runID
                    && ($0["actor"] as? String)?.hasSuffix(suffix) == true
            }
        }
        #expect(has("policy.deny", "refused", actor: "coordinator"), "\(records)")
        #expect(has("step.override", "accepted", actor: "/operator/admin/root"), "\(records)")
        #expect(has("POST /v1/runs/{id}/steps/{step}/override", "refused", actor: "/operator/responder/alice"), "\(records)")
    }

    @Test("approvals: the starter cannot approve, a changed parameter voids a decision, two distinct approvers open the gate")
    func quorumOfTwo() throws {
        let cluster = try Self.cluster()
        defer { cluster.shutdown() }
        let good = try cluster.writePlaybook("good.yaml", Self.playbook())
        let runID = try cluster.startRun(good, incident: "INC-Q")
        let waiting = try cluster.waitForRun(runID) { Self.step($0, "restore-db")["status"] as? String == "awaiting-approval" }
        #expect(Self.step(waiting, "compat")["status"] as? String == "verified")

        let own = try cluster.batonAs("alice", ["run", "approve", runID, "restore-db", "--reason", "mine"])
        #expect(own.status == 1)
        #expect(own.stderr.contains("alice started run \(runID) and cannot approve its steps"), "\(own.stderr)")
        let audit = try cluster.batonAs("alice", ["audit", "query", "--run", runID, "--format", "json"]).check()
        #expect(audit.stdout.contains("\"step.approve\"") && audit.stdout.contains("cannot approve its steps"), "\(audit.stdout)")

        let stale = try cluster.batonAs("bob", ["run", "approve", runID, "restore-db", "--reason", "ok", "--param", "check=no"])
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("void") && stale.stderr.contains("parameter check is 'no'"), "\(stale.stderr)")

        try cluster.batonAs("bob", ["run", "approve", runID, "restore-db", "--reason", "backup verified"]).check()
        let again = try cluster.batonAs("bob", ["run", "approve", runID, "restore-db", "--reason", "again"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already decided"), "\(again.stderr)")
        let one = try cluster.status(runID)
        #expect(Self.step(one, "restore-db")["status"] as? String == "awaiting-approval")

        try cluster.batonAs("carol", ["run", "approve", runID, "restore-db", "--reason", "compat verified"]).check()
        let done = try cluster.waitForRun(runID)
        #expect(done["phase"] as? String == "succeeded", "\(done)")
        #expect(done["automated"] as? Bool == true)
        let votes = (Self.step(done, "restore-db")["governance"] as? [String: Any])?["votes"] as? [[String: Any]] ?? []
        #expect(votes.compactMap { $0["approver"] as? String } == ["bob", "carol"])
    }

    @Test("two approvers at the same instant are both counted once; a denial racing an approval gives exactly one outcome")
    func concurrentDecisions() throws {
        let cluster = try Self.cluster()
        defer { cluster.shutdown() }
        let good = try cluster.writePlaybook("good.yaml", Self.playbook())
        for (incident, second) in [("INC-C1", "approve"), ("INC-C2", "deny")] {
            let runID = try cluster.startRun(good, incident: incident)
            _ = try cluster.waitForRun(runID) { Self.step($0, "restore-db")["status"] as? String == "awaiting-approval" }
            let group = DispatchGroup()
            let results = LockedBox<[CommandOutput]>([])
            for (name, verb) in [("bob", "approve"), ("carol", second)] {
                group.enter()
                DispatchQueue.global().async {
                    if let output = try? cluster.batonAs(name, ["run", verb, runID, "restore-db", "--reason", "race"]) {
                        results.mutate { $0.append(output) }
                    }
                    group.leave()
                }
            }
            group.wait()
            let run = second == "approve" ? try cluster.waitForRun(runID) : try cluster.waitForRun(runID) { $0["phase"] as? String == "blocked" }
            let votes = (Self.step(run, "restore-db")["governance"] as? [String: Any])?["votes"] as? [[String: Any]] ?? []
            if second == "approve" {
                #expect(results.value.allSatisfy { $0.status == 0 })
                #expect(Set(votes.compactMap { $0["approver"] as? String }) == ["bob", "carol"])
                #expect(run["phase"] as? String == "succeeded", "\(run)")
            } else {
                // Whichever came first decides: the other is either counted before the denial or refused after it.
                #expect(Self.step(run, "restore-db")["status"] as? String == "denied")
                #expect(votes.contains { $0["decision"] as? String == "deny" })
                #expect(results.value.filter { $0.status == 0 }.count == votes.count)
            }
        }
    }
}

/// A value shared between threads.
final class LockedBox<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
