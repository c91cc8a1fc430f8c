/// A certificate and its private key, both PEM encoded.
///
/// The key is PKCS#8 (`-----BEGIN PRIVATE KEY-----`), which OpenSSL, swift-nio-ssl and swift-crypto all load.
public struct IssuedCredential: Hashable, Sendable {
    public var certificatePEM: String
    public var privateKeyPEM: String

    public init(certificatePEM: String, privateKeyPEM: String) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
    }
}
