import BatonModel
import Crypto
import Foundation
import SwiftASN1
import X509

/// A Baton certificate authority: a self-signed P-256 CA whose certificate records the trust domain
/// as the URI subject alternative name `spiffe://<trust-domain>`.
public struct CertificateAuthority: Sendable {
    /// The trust domain read from the CA certificate.
    public let trustDomain: String
    /// The CA certificate, PEM encoded (what peers use as their trust root).
    public let certificatePEM: String

    let certificate: Certificate
    let privateKey: Certificate.PrivateKey

    /// How far back `notBefore` is set, to tolerate clock skew between hosts.
    static let backdate: TimeInterval = 5 * 60

    /// Creates a new self-signed CA for `trustDomain`.
    public static func create(
        trustDomain: String,
        commonName: String = "Baton CA",
        validityDays: Int = 3650
    ) throws -> IssuedCredential {
        try BatonPrincipal.validateTrustDomain(trustDomain)
        let lifetime = try validity(days: validityDays)
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        let publicKey = privateKey.publicKey
        let name = try DistinguishedName {
            OrganizationName("Baton")
            CommonName(commonName)
        }
        let now = Date()
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: publicKey)
            SubjectAlternativeNames([.uniformResourceIdentifier("spiffe://\(trustDomain)")])
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now - backdate,
            notValidAfter: now + lifetime,
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: privateKey
        )
        return IssuedCredential(
            certificatePEM: try certificate.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation
        )
    }

    /// Loads a CA from its PEM certificate and PEM private key (PKCS#8 or SEC1).
    ///
    /// Checks that the certificate is a CA, that the key belongs to it, and reads the trust domain
    /// from its `spiffe://<trust-domain>` URI SAN.
    public init(certificatePEM: String, privateKeyPEM: String) throws {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: certificatePEM)
        } catch {
            throw IdentityError.invalidCACertificate(reason: "cannot decode PEM certificate (\(error))")
        }
        let privateKey: Certificate.PrivateKey
        do {
            privateKey = try Certificate.PrivateKey(pemEncoded: privateKeyPEM)
        } catch {
            throw IdentityError.invalidPrivateKey(reason: "cannot decode PEM private key (\(error))")
        }
        guard privateKey.publicKey == certificate.publicKey else {
            throw IdentityError.invalidPrivateKey(reason: "the private key does not belong to the CA certificate")
        }
        guard case .isCertificateAuthority = try? certificate.extensions.basicConstraints else {
            throw IdentityError.invalidCACertificate(reason: "basicConstraints does not say CA:TRUE")
        }
        self.trustDomain = try Self.trustDomain(of: certificate)
        self.certificate = certificate
        self.privateKey = privateKey
        self.certificatePEM = certificatePEM
    }

    /// Issues a leaf certificate for `principal` (whose trust domain must be this CA's).
    ///
    /// Every leaf gets extendedKeyUsage clientAuth; coordinators also get serverAuth and, when no
    /// names are given, the SANs `DNS:localhost` and `IP:127.0.0.1`. The validity is cut to end no
    /// later than the CA's own.
    public func issue(
        _ principal: BatonPrincipal,
        dnsNames: [String] = [],
        ipAddresses: [String] = [],
        validityDays: Int = 397
    ) throws -> IssuedCredential {
        try principal.validated()
        guard principal.trustDomain == trustDomain else {
            throw IdentityError.malformedURI(
                uri: principal.uri(),
                reason: "trust domain '\(principal.trustDomain)' differs from the CA's '\(trustDomain)'"
            )
        }
        let lifetime = try Self.validity(days: validityDays)
        var dnsNames = dnsNames
        var ipAddresses = ipAddresses
        let isCoordinator = principal.coordinatorName != nil
        if isCoordinator, dnsNames.isEmpty, ipAddresses.isEmpty {
            dnsNames = ["localhost"]
            ipAddresses = ["127.0.0.1"]
        }
        var sans: [GeneralName] = [.uniformResourceIdentifier(principal.uri())]
        for dns in dnsNames {
            sans.append(.dnsName(try NetworkNames.normalizedDNSName(dns)))
        }
        for ip in ipAddresses {
            sans.append(.ipAddress(ASN1OctetString(contentBytes: try NetworkNames.ipAddressBytes(ip)[...])))
        }

        let key = P256.Signing.PrivateKey()
        let publicKey = Certificate.PublicKey(key.publicKey)
        let usages: [ExtendedKeyUsage.Usage] = isCoordinator ? [.serverAuth, .clientAuth] : [.clientAuth]
        let caKeyID = (try? certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            ?? SubjectKeyIdentifier(hash: certificate.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage(usages)
            SubjectKeyIdentifier(hash: publicKey)
            AuthorityKeyIdentifier(keyIdentifier: caKeyID)
            SubjectAlternativeNames(sans)
        }
        let subject = try DistinguishedName {
            OrganizationName("Baton")
            OrganizationalUnitName(Self.unitName(of: principal))
            CommonName(principal.name)
        }
        let now = Date()
        let notAfter = min(now + lifetime, certificate.notValidAfter)
        let leaf = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: publicKey,
            notValidBefore: now - Self.backdate,
            notValidAfter: notAfter,
            issuer: certificate.subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: extensions,
            issuerPrivateKey: privateKey
        )
        return IssuedCredential(
            certificatePEM: try leaf.serializeAsPEM().pemString,
            privateKeyPEM: key.pemRepresentation
        )
    }

    static func validity(days: Int) throws(IdentityError) -> TimeInterval {
        guard (1...36500).contains(days) else { throw .invalidValidity(days: days) }
        return TimeInterval(days) * 86400
    }

    static func unitName(of principal: BatonPrincipal) -> String {
        switch principal.kind {
        case .agent(let identity): return "agent/\(identity.tier.rawValue)"
        case .coordinator: return "coordinator"
        case .operator(_, let role): return "operator/\(role)"
        }
    }

    /// Reads the trust domain from the CA's single `spiffe://<trust-domain>` URI SAN.
    static func trustDomain(of certificate: Certificate) throws -> String {
        let uris = try PeerIdentity.uriSANs(of: certificate).filter(PeerIdentity.isSPIFFE)
        guard uris.count == 1 else {
            throw IdentityError.invalidCACertificate(
                reason: "expected exactly one spiffe://<trust-domain> URI SAN, found \(uris.count)"
            )
        }
        let prefix = "spiffe://"
        guard uris[0].hasPrefix(prefix) else {
            throw IdentityError.invalidCACertificate(reason: "URI SAN '\(uris[0])' does not start with \(prefix)")
        }
        var domain = String(uris[0].dropFirst(prefix.count))
        if domain.hasSuffix("/") { domain.removeLast() }
        guard BatonPrincipal.isValidTrustDomain(domain) else {
            throw IdentityError.invalidCACertificate(reason: "URI SAN '\(uris[0])' is not spiffe://<trust-domain>")
        }
        return domain
    }
}
