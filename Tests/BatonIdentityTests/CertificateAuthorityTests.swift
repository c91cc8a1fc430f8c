import BatonIdentity
import BatonModel
import Foundation
import Testing

@Suite struct CertificateAuthorityTests {
    static let principals: [BatonPrincipal] = [
        .agent(AgentIdentity(tier: .database, name: "db-01"), trustDomain: "prod.example"),
        .coordinator("main", trustDomain: "prod.example"),
        .operator(name: "alice", role: "responder", trustDomain: "prod.example"),
    ]

    @Test(arguments: principals)
    func issuedCertificateVerifiesAndCarriesIdentity(principal: BatonPrincipal) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pki = PKIDirectory(path: dir.path)
        try pki.writeCA(try CertificateAuthority.create(trustDomain: "prod.example"))
        let authority = try pki.loadCA()
        #expect(authority.trustDomain == "prod.example")

        let written = try pki.write(try authority.issue(principal), for: principal)
        let verify = try OpenSSL.run(["verify", "-CAfile", pki.caCertificatePath, written.certificatePath])
        #expect(verify.status == 0, "openssl verify: \(verify.output)")
        #expect(verify.output.contains("OK"))

        let san = try OpenSSL.check(["x509", "-in", written.certificatePath, "-noout", "-ext", "subjectAltName"])
        #expect(san.contains("URI:\(principal.uri())"))

        #expect(try permissions(of: written.keyPath) == 0o600)
        #expect(try permissions(of: written.certificatePath) == 0o644)
        #expect(try permissions(of: pki.caKeyPath) == 0o600)

        #expect(try PeerIdentity.principal(fromDER: OpenSSL.derBytes(ofCertificate: written.certificatePath)) == principal)

        // The key is PKCS#8 PEM that openssl reads, and it belongs to the certificate.
        let keyText = try String(contentsOfFile: written.keyPath, encoding: .utf8)
        #expect(keyText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let keyPublic = try OpenSSL.check(["pkey", "-in", written.keyPath, "-pubout"])
        let certPublic = try OpenSSL.check(["x509", "-in", written.certificatePath, "-noout", "-pubkey"])
        #expect(keyPublic == certPublic)
    }

    @Test func caCertificateExtensions() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("ca.pem", try CertificateAuthority.create(trustDomain: "baton.local", commonName: "Test CA").certificatePEM)
        let text = try OpenSSL.check([
            "x509", "-in", dir.file("ca.pem"), "-noout", "-subject",
            "-ext", "basicConstraints,keyUsage,subjectKeyIdentifier,subjectAltName",
        ])
        #expect(text.contains("CN = Test CA"))
        #expect(text.contains("Basic Constraints: critical"))
        #expect(text.contains("CA:TRUE"))
        #expect(text.contains("Certificate Sign, CRL Sign"))
        #expect(text.contains("Subject Key Identifier"))
        #expect(text.contains("URI:spiffe://baton.local"))
        try OpenSSL.check(["verify", "-CAfile", dir.file("ca.pem"), dir.file("ca.pem")])
    }

    @Test func leafExtensionsDependOnKind() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let ca = try CertificateAuthority.create(trustDomain: "baton.local")
        let authority = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)

        try dir.write("coordinator.pem", try authority.issue(.coordinator("main")).certificatePEM)
        let coordinator = try OpenSSL.check([
            "x509", "-in", dir.file("coordinator.pem"), "-noout",
            "-ext", "basicConstraints,keyUsage,extendedKeyUsage,subjectAltName,authorityKeyIdentifier",
        ])
        #expect(coordinator.contains("CA:FALSE"))
        #expect(coordinator.contains("Digital Signature"))
        #expect(coordinator.contains("TLS Web Server Authentication"))
        #expect(coordinator.contains("TLS Web Client Authentication"))
        #expect(coordinator.contains("DNS:localhost"))
        #expect(coordinator.contains("IP Address:127.0.0.1"))
        #expect(coordinator.contains("Authority Key Identifier"))

        let custom = try authority.issue(
            .coordinator("edge"), dnsNames: ["batond.example.org"], ipAddresses: ["10.1.2.3", "::1"])
        try dir.write("edge.pem", custom.certificatePEM)
        let edge = try OpenSSL.check(["x509", "-in", dir.file("edge.pem"), "-noout", "-ext", "subjectAltName"])
        #expect(edge.contains("DNS:batond.example.org"))
        #expect(edge.contains("IP Address:10.1.2.3"))
        #expect(!edge.contains("localhost"))
        try dir.write("ca.pem", ca.certificatePEM)
        try OpenSSL.check(["verify", "-CAfile", dir.file("ca.pem"), "-verify_ip", "10.1.2.3", dir.file("edge.pem")])

        try dir.write("agent.pem", try authority.issue(.agent(AgentIdentity(tier: .platform, name: "n1"))).certificatePEM)
        let agent = try OpenSSL.check(["x509", "-in", dir.file("agent.pem"), "-noout", "-ext", "extendedKeyUsage,subjectAltName"])
        #expect(agent.contains("TLS Web Client Authentication"))
        #expect(!agent.contains("TLS Web Server Authentication"))
        #expect(!agent.contains("DNS:"))
    }

    @Test func serialsAreRandom() throws {
        let ca = try CertificateAuthority.create(trustDomain: "baton.local")
        let authority = try CertificateAuthority(certificatePEM: ca.certificatePEM, privateKeyPEM: ca.privateKeyPEM)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var serials = Set<String>()
        for index in 0..<3 {
            try dir.write("leaf\(index).pem", try authority.issue(.coordinator("main")).certificatePEM)
            serials.insert(try OpenSSL.check(["x509", "-in", dir.file("leaf\(index).pem"), "-noout", "-serial"]))
        }
        #expect(serials.count == 3)
    }

    @Test func rejectsMismatchedInputs() throws {
        let first = try CertificateAuthority.create(trustDomain: "baton.local")
        let second = try CertificateAuthority.create(trustDomain: "baton.local")
        #expect(throws: IdentityError.invalidPrivateKey(reason: "the private key does not belong to the CA certificate")) {
            try CertificateAuthority(certificatePEM: first.certificatePEM, privateKeyPEM: second.privateKeyPEM)
        }

        let authority = try CertificateAuthority(certificatePEM: first.certificatePEM, privateKeyPEM: first.privateKeyPEM)
        let leaf = try authority.issue(.coordinator("main"))
        let notCA = #expect(throws: IdentityError.self) {
            try CertificateAuthority(certificatePEM: leaf.certificatePEM, privateKeyPEM: leaf.privateKeyPEM)
        }
        #expect(notCA?.description.contains("CA:TRUE") == true)

        let foreign = #expect(throws: IdentityError.self) {
            try authority.issue(.coordinator("main", trustDomain: "other.example"))
        }
        #expect(foreign?.description.contains("other.example") == true)
        #expect(throws: IdentityError.invalidIPAddress("10.0.0.300")) {
            try authority.issue(.coordinator("main"), ipAddresses: ["10.0.0.300"])
        }
        #expect(throws: IdentityError.invalidDNSName("bad_name.example")) {
            try authority.issue(.coordinator("main"), dnsNames: ["bad_name.example"])
        }
        #expect(throws: IdentityError.invalidValidity(days: 0)) {
            try authority.issue(.coordinator("main"), validityDays: 0)
        }
        #expect(throws: IdentityError.invalidTrustDomain("Bad Domain")) {
            try CertificateAuthority.create(trustDomain: "Bad Domain")
        }
    }
}
