import BatonModel
import BatonAPI
import NIOSSL

/// How the operator API listens.
public struct OperatorAPIConfiguration: Sendable {
    /// The address to bind (`127.0.0.1`, `0.0.0.0`, `::`).
    public var host: String
    /// The TCP port to bind; 0 picks a free port (learn it from `onServerRunning`).
    public var port: Int
    /// The server's TLS settings, from `BatonTLS.serverConfiguration`: TLS 1.3 only and a client
    /// certificate from the Baton CA required, so every request comes from a verified certificate.
    public var tls: TLSConfiguration
    /// Whether `POST /v1/runs` may carry a playbook's text (dev mode).
    public var allowPlaybookUpload: Bool
    /// The largest request body accepted; larger bodies get 413.
    public var maxBodySize: Int
    /// Operator name → roles granted on top of the role in the operator's certificate (`--roles`).
    public var roleBindings: [String: Set<OperatorRole>] = [:]

    public init(
        host: String, port: Int, tls: TLSConfiguration, allowPlaybookUpload: Bool,
        maxBodySize: Int = OperatorAPIConfiguration.defaultMaxBodySize
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.allowPlaybookUpload = allowPlaybookUpload
        self.maxBodySize = maxBodySize
    }

    /// 1 MiB.
    public static let defaultMaxBodySize = 1024 * 1024
}
