import BatonIdentity
import BatonModel
import Foundation
import Testing

/// Certificates made entirely by the openssl CLI, read with `PeerIdentity` and used with `CertificateAuthority`.
@Suite struct PeerIdentityInteropTests {
    /// Makes an openssl CA (`ca.pem`, PKCS#8 `ca.key`) whose SAN is `spiffe://interop.example`.
    static func makeOpenSSLCA(in dir: TemporaryDirectory) throws {
        try OpenSSL.check([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Interop CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-addext", "subjectAltName=URI:spiffe://interop.example",
        ], in: dir.path)
    }

    /// Makes `<name>.pem` signed by the openssl CA with the given subjectAltName value (or none).
    static func makeOpenSSLLeaf(_ name: String, subjectAltName: String?, in dir: TemporaryDirectory) throws {
        try OpenSSL.check([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)",
        ], in: dir.path)
        var extensions = "basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n"
        if let subjectAltName { extensions += "subjectAltName=\(subjectAltName)\n" }
        try dir.write("\(name).ext", extensions)
        try OpenSSL.check([
            "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "4242",
            "-days", "1", "-extfile", "\(name).ext", "-out", "\(name).pem",
        ], in: dir.path)
    }

    @Test func readsIdentityFromOpenSSLCertificate() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.makeOpenSSLCA(in: dir)
        try Self.makeOpenSSLLeaf(
            "web", subjectAltName: "DNS:web-1.interop.example,URI:spiffe://interop.example/agent/application/web-1",
            in: dir)
        let principal = try PeerIdentity.principal(fromDER: OpenSSL.derBytes(ofCertificate: dir.file("web.pem")))
        #expect(principal == .agent(AgentIdentity(tier: .application, name: "web-1"), trustDomain: "interop.example"))
        let pem = try String(contentsOfFile: dir.file("web.pem"), encoding: .utf8)
        #expect(try PeerIdentity.principal(fromPEM: pem) == principal)
    }

    @Test func explainsWhatIsWrongWithTheSAN() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.makeOpenSSLCA(in: dir)
        try Self.makeOpenSSLLeaf("nosan", subjectAltName: nil, in: dir)
        try Self.makeOpenSSLLeaf("dnsonly", subjectAltName: "DNS:host.example", in: dir)
        try Self.makeOpenSSLLeaf("https", subjectAltName: "URI:https://host.example/x", in: dir)
        try Self.makeOpenSSLLeaf(
            "two", subjectAltName: "URI:spiffe://interop.example/coordinator/a,URI:spiffe://interop.example/coordinator/b",
            in: dir)
        try Self.makeOpenSSLLeaf("badtier", subjectAltName: "URI:spiffe://interop.example/agent/web/x", in: dir)

        func error(_ name: String) throws -> (any Error)? {
            do {
                _ = try PeerIdentity.principal(fromDER: OpenSSL.derBytes(ofCertificate: dir.file("\(name).pem")))
                return nil
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                return error
            }
        }
        #expect(try error("nosan") as? IdentityError == .noURISAN)
        #expect(try error("dnsonly") as? IdentityError == .noURISAN)
        #expect(try error("https") as? IdentityError == .noSPIFFEURI(found: ["https://host.example/x"]))
        let two = try error("two") as? IdentityError
        #expect(two == .multipleSPIFFEURIs(["spiffe://interop.example/coordinator/a", "spiffe://interop.example/coordinator/b"]))
        #expect(two?.description.contains("expected exactly one") == true)
        #expect(try error("badtier") as? IdentityError == .unknownTier("web"))
        #expect(String(describing: IdentityError.noURISAN).contains("no URI subject alternative name"))
    }

    @Test func rejectsGarbageDER() {
        let error = #expect(throws: IdentityError.self) { try PeerIdentity.principal(fromDER: [0x30, 0x03, 0x01]) }
        #expect(error?.description.contains("malformed certificate") == true)
    }

    @Test(arguments: [false, true])
    func loadsOpenSSLCAAndIssuesVerifiableCertificates(sec1Key: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try Self.makeOpenSSLCA(in: dir)
        var keyFile = "ca.key"
        if sec1Key {
            try OpenSSL.check(["ec", "-in", "ca.key", "-out", "ca-sec1.key"], in: dir.path)
            keyFile = "ca-sec1.key"
        }
        let keyPEM = try String(contentsOfFile: dir.file(keyFile), encoding: .utf8)
        #expect(keyPEM.contains(sec1Key ? "BEGIN EC PRIVATE KEY" : "BEGIN PRIVATE KEY"))
        let authority = try CertificateAuthority(
            certificatePEM: String(contentsOfFile: dir.file("ca.pem"), encoding: .utf8), privateKeyPEM: keyPEM)
        #expect(authority.trustDomain == "interop.example")

        let principal = BatonPrincipal.coordinator("main", trustDomain: authority.trustDomain)
        try dir.write("leaf.pem", try authority.issue(principal).certificatePEM)
        try OpenSSL.check(["verify", "-CAfile", "ca.pem", "-verify_hostname", "localhost", "leaf.pem"], in: dir.path)
    }
}
