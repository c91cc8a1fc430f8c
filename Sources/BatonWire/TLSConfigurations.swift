import NIOSSL

/// TLS settings for Baton's connections: TLS 1.3 only, client certificates required, the Baton CA the only trust root.
public enum BatonTLS {
    /// The coordinator's listener (agents and operators connect to it).
    ///
    /// Client certificates are required and verified against `trustRoots`. Hostnames are not
    /// checked on this side (agents connect from anywhere); identity comes from the certificate's URI SAN.
    public static func serverConfiguration(
        certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, trustRoots: [NIOSSLCertificate]
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey)
        )
        configuration.minimumTLSVersion = .tlsv13
        configuration.maximumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.trustRoots = .certificates(trustRoots)
        return configuration
    }

    /// An agent's or operator's connection to the coordinator: presents its own certificate and
    /// verifies the coordinator's certificate, including its name, against the Baton CA only.
    public static func clientConfiguration(
        certificateChain: [NIOSSLCertificate], privateKey: NIOSSLPrivateKey, trustRoots: [NIOSSLCertificate]
    ) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateChain = certificateChain.map { .certificate($0) }
        configuration.privateKey = .privateKey(privateKey)
        configuration.minimumTLSVersion = .tlsv13
        configuration.maximumTLSVersion = .tlsv13
        configuration.certificateVerification = .fullVerification
        configuration.trustRoots = .certificates(trustRoots)
        return configuration
    }
}

/// PEM files for one side of a connection: its certificate, its key, and the CA it trusts.
public struct TLSFiles: Sendable, Hashable {
    public var certificatePath: String
    public var privateKeyPath: String
    public var caPath: String

    public init(certificatePath: String, privateKeyPath: String, caPath: String) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.caPath = caPath
    }

    /// Loads the three files, with an error that names the file that could not be read.
    public func load() throws -> (chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, roots: [NIOSSLCertificate]) {
        func attempt<T>(_ what: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch { throw TLSFilesError(message: "cannot load \(what) from \(path): \(error)") }
        }
        let chain = try attempt("certificate", certificatePath) { try NIOSSLCertificate.fromPEMFile(certificatePath) }
        let key = try attempt("private key", privateKeyPath) { try NIOSSLPrivateKey(file: privateKeyPath, format: .pem) }
        let roots = try attempt("CA certificate", caPath) { try NIOSSLCertificate.fromPEMFile(caPath) }
        guard !chain.isEmpty else { throw TLSFilesError(message: "no certificate in \(certificatePath)") }
        guard !roots.isEmpty else { throw TLSFilesError(message: "no CA certificate in \(caPath)") }
        return (chain, key, roots)
    }
}

public struct TLSFilesError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
