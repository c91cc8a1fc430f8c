import BatonModel
import Foundation

/// Everything that can go wrong while parsing identities, issuing certificates or laying out PKI files.
///
/// Every case renders as one sentence that names the offending value, so callers can show
/// `description` to an operator as is.
public enum IdentityError: Error, Hashable, Sendable, CustomStringConvertible, LocalizedError {
    /// The text is not a Baton SPIFFE URI of a known shape.
    case malformedURI(uri: String, reason: String)
    /// The trust domain is empty or has characters outside `[a-z0-9._-]`.
    case invalidTrustDomain(String)
    /// An agent URI names a tier that does not exist.
    case unknownTier(String)
    /// A name (agent, coordinator, operator or role) breaks the naming rule.
    case invalidName(String, field: String)
    /// The certificate could not be decoded.
    case malformedCertificate(reason: String)
    /// The certificate carries no URI subject alternative name at all.
    case noURISAN
    /// The certificate has URI SANs, but none of them is a `spiffe://` URI.
    case noSPIFFEURI(found: [String])
    /// The certificate has more than one `spiffe://` URI SAN, so its identity is ambiguous.
    case multipleSPIFFEURIs([String])
    /// A loaded CA certificate is unusable (not a CA, no trust domain, …).
    case invalidCACertificate(reason: String)
    /// A private key could not be decoded or does not belong to the certificate.
    case invalidPrivateKey(reason: String)
    /// An IP address given for a SAN could not be parsed.
    case invalidIPAddress(String)
    /// A DNS name given for a SAN is not a valid host name.
    case invalidDNSName(String)
    /// A validity period that is zero, negative or too large.
    case invalidValidity(days: Int)
    /// Refused to replace an existing file without `force`.
    case fileExists(path: String)
    /// A file could not be read or written.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .malformedURI(let uri, let reason):
            return "malformed identity URI '\(uri)': \(reason)"
        case .invalidTrustDomain(let domain):
            return "invalid trust domain '\(domain)': use 1-255 characters from [a-z0-9._-]"
        case .unknownTier(let tier):
            let tiers = Tier.allCases.map(\.rawValue).joined(separator: ", ")
            return "unknown tier '\(tier)': expected one of \(tiers)"
        case .invalidName(let name, let field):
            return "invalid \(field) '\(name)': names must match \(BatonPrincipal.namePatternDescription)"
        case .malformedCertificate(let reason):
            return "malformed certificate: \(reason)"
        case .noURISAN:
            return "certificate has no URI subject alternative name, so it carries no Baton identity"
        case .noSPIFFEURI(let found):
            return "certificate has no spiffe:// URI subject alternative name (found: \(found.joined(separator: ", ")))"
        case .multipleSPIFFEURIs(let uris):
            return "certificate has \(uris.count) spiffe:// URI subject alternative names, expected exactly one: "
                + uris.joined(separator: ", ")
        case .invalidCACertificate(let reason):
            return "invalid CA certificate: \(reason)"
        case .invalidPrivateKey(let reason):
            return "invalid private key: \(reason)"
        case .invalidIPAddress(let address):
            return "invalid IP address '\(address)': expected an IPv4 or IPv6 literal such as 127.0.0.1 or ::1"
        case .invalidDNSName(let name):
            return "invalid DNS name '\(name)'"
        case .invalidValidity(let days):
            return "invalid validity of \(days) days: expected 1 to 36500"
        case .fileExists(let path):
            return "refusing to overwrite existing file \(path) (pass --force to replace it)"
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        }
    }

    public var errorDescription: String? { description }
}
