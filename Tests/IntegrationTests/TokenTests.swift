import Foundation
import Testing

/// Bearer tokens end to end: created by an admin, used by a script with a viewer's certificate,
/// stored hashed in the real SQLite file, refused once revoked.
@Suite(.serialized)
struct TokenTests {
    @Test func aTokenActsWithItsRolesIsStoredHashedAndIsRefusedOnceRevoked() throws {
        let cluster = try Cluster()
        defer { cluster.shutdown() }
        try cluster.addOperator("root", role: "admin")
        try cluster.addOperator("vic", role: "viewer")
        try cluster.startCoordinator()
        try cluster.startThreeTiers()
        let playbook = try cluster.writePlaybook("small.yaml", AuditTests.playbook)

        let notAdmin = try cluster.batonAs("alice", ["token", "create", "ci", "--role", "responder"])
        #expect(notAdmin.status == 1)
        #expect(notAdmin.stderr.contains("needs the role admin"), "\(notAdmin.stderr)")

        let created = try cluster.batonAs("root", ["token", "create", "ci", "--role", "responder", "--format", "json"]).check()
        let json = try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any]
        let secret = try #require(json?["secret"] as? String)
        #expect(secret.hasPrefix("baton_") && secret.count == 6 + 64)
        let again = try cluster.batonAs("root", ["token", "create", "ci", "--role", "viewer"])
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again.stderr)")

        // vic's certificate alone may only read; with the token, vic's script acts as token:ci.
        let start = ["run", "start", playbook, "--incident", "INC-T", "--format", "json"]
        let refused = try cluster.batonAs("vic", start)
        #expect(refused.status == 1 && refused.stderr.contains("needs the role responder"), "\(refused.stderr)")
        let started = try cluster.batonAs("vic", start + ["--token", secret]).check()
        let runID = try #require(
            (try JSONSerialization.jsonObject(with: Data(started.stdout.utf8)) as? [String: Any])?["runID"] as? String)
        let run = try cluster.waitForRun(runID)
        #expect(run["phase"] as? String == "succeeded")
        #expect(run["startedBy"] as? String == "token:ci")
        let audit = try cluster.batonAs("root", ["audit", "query", "--actor", "token:ci", "--format", "json"]).check()
        #expect(try AuditTests.records(audit).contains { $0["action"] as? String == "run.start" && $0["runID"] as? String == runID })

        let wrong = try cluster.batonAs("vic", ["run", "list", "--token", "baton_" + String(repeating: "0", count: 64)])
        #expect(wrong.status == 1 && wrong.stderr.contains("bearer token is not valid"), "\(wrong.stderr)")

        // Only the hash is stored.
        let database = cluster.directory + "/data/baton.sqlite"
        let stored = try Cluster.run(
            "/usr/bin/env",
            ["python3", "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select secret_hash from api_token').fetchone()[0])", database])
            .check()
        #expect(stored.stdout.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
        #expect(!stored.stdout.contains(String(secret.dropFirst(6))))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: database))
            + ((try? Data(contentsOf: URL(fileURLWithPath: database + "-wal"))) ?? Data())
        #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is in the database file")

        try cluster.batonAs("root", ["token", "revoke", "ci"]).check()
        let revoked = try cluster.batonAs("vic", ["run", "list", "--token", secret])
        #expect(revoked.status == 1 && revoked.stderr.contains("'ci' was revoked"), "\(revoked.stderr)")
        let list = try cluster.batonAs("root", ["token", "list", "--format", "json"]).check()
        let tokens = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["tokens"] as? [[String: Any]]
        #expect(tokens?.first?["name"] as? String == "ci" && tokens?.first?["revokedAt"] != nil)
        #expect(!list.stdout.contains(secret))
    }
}
