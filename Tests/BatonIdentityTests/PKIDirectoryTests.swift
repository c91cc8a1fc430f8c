import BatonIdentity
import BatonModel
import Foundation
import Testing

@Suite struct PKIDirectoryTests {
    @Test func fileNamesFollowTheLayout() {
        let pki = PKIDirectory(path: "pki")
        #expect(pki.caCertificatePath == "pki/ca.pem")
        #expect(pki.caKeyPath == "pki/ca-key.pem")
        let agent = BatonPrincipal.agent(AgentIdentity(tier: .database, name: "db-01"))
        #expect(pki.certificatePath(for: agent) == "pki/agent-database-db-01.pem")
        #expect(pki.keyPath(for: agent) == "pki/agent-database-db-01-key.pem")
        #expect(pki.certificatePath(for: .coordinator("main")) == "pki/coordinator-main.pem")
        #expect(pki.keyPath(for: .coordinator("main")) == "pki/coordinator-main-key.pem")
        #expect(pki.certificatePath(for: .operator(name: "alice", role: "admin")) == "pki/operator-alice.pem")
        #expect(pki.keyPath(for: .operator(name: "alice", role: "admin")) == "pki/operator-alice-key.pem")
    }

    @Test func createsMissingDirectoriesAndSetsModes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = PKIDirectory(path: dir.file("nested/pki"))
        let written = try pki.writeCA(try CertificateAuthority.create(trustDomain: "baton.local"))
        #expect(written == WrittenCredential(certificatePath: pki.caCertificatePath, keyPath: pki.caKeyPath))
        #expect(try permissions(of: pki.caKeyPath) == 0o600)
        #expect(try permissions(of: pki.caCertificatePath) == 0o644)
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = PKIDirectory(path: dir.path)
        let original = try CertificateAuthority.create(trustDomain: "baton.local")
        try pki.writeCA(original)

        #expect(throws: IdentityError.fileExists(path: pki.caCertificatePath)) {
            try pki.writeCA(try CertificateAuthority.create(trustDomain: "baton.local"))
        }
        #expect(try String(contentsOfFile: pki.caCertificatePath, encoding: .utf8) == original.certificatePEM)
        #expect(try String(contentsOfFile: pki.caKeyPath, encoding: .utf8) == original.privateKeyPEM)
        let message = IdentityError.fileExists(path: pki.caCertificatePath).description
        #expect(message.contains(pki.caCertificatePath) && message.contains("refusing to overwrite"))

        // A lone leftover key file also blocks the pair, and nothing is written.
        let principal = BatonPrincipal.coordinator("main")
        try dir.write("coordinator-main-key.pem", "stale")
        let authority = try pki.loadCA()
        #expect(throws: IdentityError.fileExists(path: pki.keyPath(for: principal))) {
            try pki.write(try authority.issue(principal), for: principal)
        }
        #expect(!FileManager.default.fileExists(atPath: pki.certificatePath(for: principal)))
    }

    @Test func forceReplacesFilesWithFreshModes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = PKIDirectory(path: dir.path)
        try pki.writeCA(try CertificateAuthority.create(trustDomain: "baton.local"))
        // A key file left world-readable by someone else must come back as 0600.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: pki.caKeyPath)
        let replacement = try CertificateAuthority.create(trustDomain: "other.example")
        try pki.writeCA(replacement, force: true)
        #expect(try permissions(of: pki.caKeyPath) == 0o600)
        #expect(try pki.loadCA().trustDomain == "other.example")
    }

    @Test func loadCAExplainsAMissingCA() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = #expect(throws: IdentityError.self) { try PKIDirectory(path: dir.path).loadCA() }
        #expect(error?.description.contains("ca.pem") == true)
    }

    @Test func loadedCAReadsTrustDomainBack() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = PKIDirectory(path: dir.path)
        try pki.writeCA(try CertificateAuthority.create(trustDomain: "staging.example"))
        let authority = try pki.loadCA()
        #expect(authority.trustDomain == "staging.example")
        let principal = BatonPrincipal.operator(name: "bob", role: "viewer", trustDomain: authority.trustDomain)
        let credential = try authority.issue(principal)
        #expect(try PeerIdentity.principal(fromPEM: credential.certificatePEM).uri()
            == "spiffe://staging.example/operator/viewer/bob")
    }
}
