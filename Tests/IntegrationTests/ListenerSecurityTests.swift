import Foundation
import Testing

/// The agent listener refuses anyone without a certificate from the Baton CA at the TLS handshake,
/// and a misbehaving peer loses only its own connection.
@Suite(.serialized)
struct ListenerSecurityTests {
    /// `openssl s_client` to the agent port with the given extra arguments, feeding `input`.
    static func sClient(_ cluster: Cluster, _ arguments: [String], input: Data) throws -> (CommandOutput, TimeInterval) {
        let started = Date()
        let output = try Cluster.run(
            "/usr/bin/env",
            ["openssl", "s_client", "-connect", "127.0.0.1:\(cluster.agentPort)", "-CAfile", cluster.pki + "/ca.pem", "-quiet", "-ign_eof"]
                + arguments, stdin: input, timeout: 15)
        return (output, Date().timeIntervalSince(started))
    }

    /// Makes a CA and an agent certificate with the openssl command line tool, unrelated to the cluster's CA.
    static func makeForeignCertificate(in directory: String, uri: String) throws -> (cert: String, key: String) {
        func openssl(_ arguments: [String]) throws {
            try Cluster.run("/usr/bin/env", ["openssl"] + arguments).check()
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", directory + "/other-ca-key.pem", "-out", directory + "/other-ca.pem", "-subj", "/CN=Other CA", "-days", "2"])
        try openssl(["req", "-new"] + ec + ["-keyout", directory + "/other-key.pem", "-out", directory + "/other.csr", "-subj", "/CN=impostor"])
        try "subjectAltName=URI:\(uri)\n".write(toFile: directory + "/other-ext.cnf", atomically: true, encoding: .utf8)
        try openssl([
            "x509", "-req", "-in", directory + "/other.csr", "-CA", directory + "/other-ca.pem", "-CAkey",
            directory + "/other-ca-key.pem", "-CAcreateserial", "-out", directory + "/other.pem", "-days", "2", "-extfile",
            directory + "/other-ext.cnf",
        ])
        return (directory + "/other.pem", directory + "/other-key.pem")
    }

    @Test func aClientWithoutCertificateIsRefusedAtTheHandshake() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            let (output, _) = try Self.sClient(cluster, [], input: Data("hello\n".utf8))
            #expect(output.status != 0)
            #expect(output.stdout.contains("certificate required") || output.stderr.contains("certificate required"), "\(output.stderr)")
            Thread.sleep(forTimeInterval: 0.3)
            #expect(cluster.log("batond").contains("PEER_DID_NOT_RETURN_A_CERTIFICATE"))
            #expect(try cluster.agentList().isEmpty)
        }
    }

    @Test func aCertificateFromAnotherCAIsRefusedAtTheHandshake() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            let foreign = try Self.makeForeignCertificate(in: cluster.directory, uri: "spiffe://test.baton/agent/database/impostor")
            let (output, _) = try Self.sClient(cluster, ["-cert", foreign.cert, "-key", foreign.key], input: Data("hello\n".utf8))
            #expect(output.status != 0)
            #expect(output.stderr.contains("unknown ca") || output.stdout.contains("unknown ca"), "\(output.stderr)")
            Thread.sleep(forTimeInterval: 0.3)
            #expect(cluster.log("batond").contains("CERTIFICATE_VERIFY_FAILED"))

            // The real agent with that certificate never gets in either.
            let agent = try Cluster.spawn(
                Cluster.binary("baton-agent"),
                ["--coordinator", "127.0.0.1:\(cluster.agentPort)", "--ca", cluster.pki + "/ca.pem", "--cert", foreign.cert, "--key", foreign.key],
                log: cluster.directory + "/impostor.log")
            defer {
                agent.terminate()
                agent.waitUntilExit()
            }
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try cluster.agentList().isEmpty, "an agent with a foreign certificate was admitted")
        }
    }

    @Test func tls12IsRefused() throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("app-1", tier: "application")  // makes the certificate
            let (output, _) = try Self.sClient(
                cluster,
                ["-tls1_2", "-cert", cluster.pki + "/agent-application-app-1.pem", "-key", cluster.pki + "/agent-application-app-1-key.pem"],
                input: Data("hello\n".utf8))
            #expect(output.status != 0)
            #expect(output.stderr.contains("protocol version"), "\(output.stderr)")
        }
    }

    @Test(arguments: [
        ("oversized length prefix", [UInt8]([0xFF, 0xFF, 0xFF, 0xFF]) + Array("garbage".utf8), "exceeds the maximum"),
        ("frame that is not an envelope", [UInt8]([0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "malformed envelope"),
    ])
    func garbageAfterAValidHandshakeClosesOnlyThatConnection(_ kind: String, _ garbage: [UInt8], _ logged: String) throws {
        try withCluster { cluster in
            try cluster.startCoordinator()
            try cluster.startAgent("plat-1", tier: "platform")
            try cluster.startAgent("db-1", tier: "database")
            try cluster.startAgent("app-1", tier: "application")
            try cluster.startAgent("app-9", tier: "application")  // its certificate is used by the misbehaving peer
            try cluster.waitForAgents(4)
            let playbook = try cluster.writePlaybook(
                "slow.yaml",
                """
                apiVersion: baton/v1
                kind: Playbook
                metadata: {name: slow-chain, version: 1}
                steps:
                  - id: app-step
                    tier: application
                    run: [sleep, "0.5"]
                  - id: db-step
                    tier: database
                    needs: [app-step]
                    run: [sleep, "0.5"]
                  - id: platform-step
                    tier: platform
                    needs: [db-step]
                    run: ["true"]
                """)
            let runID = try cluster.startRun(playbook)
            // A valid hello (protocol version 1) from a second application agent, then garbage.
            let hello: [UInt8] = [0, 0, 0, 4, 0x52, 0x02, 0x08, 0x01]
            let (_, elapsed) = try Self.sClient(
                cluster,
                ["-cert", cluster.pki + "/agent-application-app-9.pem", "-key", cluster.pki + "/agent-application-app-9-key.pem"],
                input: Data(hello + garbage))
            #expect(elapsed < 10, "the coordinator did not close the connection (\(kind))")
            let run = try cluster.waitForRun(runID)
            #expect(run["phase"] as? String == "succeeded", "\(run)")
            #expect(cluster.log("batond").contains(logged), "batond log lacks '\(logged)'")
            let agents = try cluster.agentList()
            #expect(agents.filter { $0["connected"] as? Bool == true }.count >= 3)
        }
    }
}
