import SwiftASN1
import X509

/// Reads a Baton identity out of a peer's X.509 certificate.
///
/// The identity is the single `spiffe://` URI subject alternative name; the subject name is ignored.
/// This does not verify the certificate chain: call it only on a certificate that TLS has verified.
public enum PeerIdentity {
    /// Parses a DER certificate and returns the principal named by its one SPIFFE URI SAN.
    public static func principal(fromDER der: [UInt8]) throws -> BatonPrincipal {
        try principal(from: certificate(fromDER: der))
    }

    /// Parses a PEM certificate (the first `CERTIFICATE` block) and returns its principal.
    public static func principal(fromPEM pem: String) throws -> BatonPrincipal {
        let certificate: Certificate
        do {
            certificate = try Certificate(pemEncoded: pem)
        } catch {
            throw IdentityError.malformedCertificate(reason: "cannot decode PEM certificate (\(error))")
        }
        return try principal(from: certificate)
    }

    /// Returns the principal named by the certificate's one SPIFFE URI SAN.
    public static func principal(from certificate: Certificate) throws -> BatonPrincipal {
        let uris = try uriSANs(of: certificate)
        guard !uris.isEmpty else { throw IdentityError.noURISAN }
        let spiffe = uris.filter(isSPIFFE)
        switch spiffe.count {
        case 0: throw IdentityError.noSPIFFEURI(found: uris)
        case 1: return try BatonPrincipal.parse(uri: spiffe[0])
        default: throw IdentityError.multipleSPIFFEURIs(spiffe)
        }
    }

    /// All URI subject alternative names of a certificate, in order.
    public static func uriSANs(of certificate: Certificate) throws -> [String] {
        let names: SubjectAlternativeNames?
        do {
            names = try certificate.extensions.subjectAlternativeNames
        } catch {
            throw IdentityError.malformedCertificate(reason: "cannot decode subjectAltName (\(error))")
        }
        guard let names else { return [] }
        return names.compactMap { name in
            if case .uniformResourceIdentifier(let uri) = name { return uri }
            return nil
        }
    }

    static func certificate(fromDER der: [UInt8]) throws -> Certificate {
        do {
            return try Certificate(derEncoded: der)
        } catch {
            throw IdentityError.malformedCertificate(reason: "cannot decode DER certificate (\(error))")
        }
    }

    /// SPIFFE schemes are compared case-insensitively here so that `SPIFFE://…` counts (and then fails to parse).
    static func isSPIFFE(_ uri: String) -> Bool {
        uri.lowercased().hasPrefix("spiffe:")
    }
}
