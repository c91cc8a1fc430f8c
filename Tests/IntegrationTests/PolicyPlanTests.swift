import Foundation
import Testing

/// `baton playbook plan --policy DIR`: the static policy check through the real CLI.
struct PolicyPlanTests {
    static let policy = """
        apiVersion: baton/v1
        kind: Policy
        metadata: {name: database-safety}
        rules:
          - id: restore-needs-compat
            kind: require_before
            message: a database restore needs the application's compatibility verified first
            step: {tags: [database.restore]}
            before: {tags: [application.compat-verified]}
        """

    static func playbook(withCompat: Bool) -> String {
        """
        apiVersion: baton/v1
        kind: Playbook
        metadata: {name: restore, version: 1}
        steps:
          - id: compat
            tier: application
            tags: [\(withCompat ? "application.compat-verified" : "application.other")]
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

    @Test func restoreBeforeCompatIsDeniedAtPlanTimeNamingTheRule() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("baton-policy-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/policies", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.policy.write(toFile: dir + "/policies/db.yaml", atomically: true, encoding: .utf8)
        try Self.playbook(withCompat: false).write(toFile: dir + "/bad.yaml", atomically: true, encoding: .utf8)
        try Self.playbook(withCompat: true).write(toFile: dir + "/good.yaml", atomically: true, encoding: .utf8)
        let baton = Cluster.binary("baton")

        let denied = try Cluster.run(baton, ["playbook", "plan", dir + "/bad.yaml", "--policy", dir + "/policies"])
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("restore-needs-compat"))
        #expect(denied.stderr.contains("restore-db"))
        #expect(denied.stderr.contains("application.compat-verified"))

        let allowed = try Cluster.run(baton, ["playbook", "plan", dir + "/good.yaml", "--policy", dir + "/policies"])
        #expect(allowed.status == 0, "\(allowed.stderr)")

        // lint --policy: the violation is an error at the step, naming the rule.
        let lint = try Cluster.run(baton, ["playbook", "lint", dir + "/bad.yaml", "--policy", dir + "/policies"])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("bad.yaml:10:9: error: step restore-db") && lint.stdout.contains("rule restore-needs-compat"), "\(lint.stdout)")
        #expect(try Cluster.run(baton, ["playbook", "lint", dir + "/good.yaml", "--policy", dir + "/policies"]).status == 0)

        try "rules: [{id: x, kind: require_befor}]".write(toFile: dir + "/policies/broken.yaml", atomically: true, encoding: .utf8)
        let broken = try Cluster.run(baton, ["playbook", "plan", dir + "/good.yaml", "--policy", dir + "/policies"])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("broken.yaml:"))
        #expect(broken.stderr.contains("nothing was checked"))
    }
}
