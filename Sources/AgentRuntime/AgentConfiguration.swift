import NIOSSL

/// How an agent reaches its coordinator. Built by the executable from flags; never reads files itself.
public struct AgentConfiguration: Sendable {
    public var coordinatorHost: String
    public var coordinatorPort: Int
    /// The name the coordinator's certificate must carry; nil checks the certificate against the IP address dialled.
    public var serverHostname: String?
    public var tls: TLSConfiguration
    public var agentVersion: String
    public var labels: [String: String]
    /// The first reconnect waits up to this long; each failure doubles it up to `reconnectBackoffMaximumMilliseconds`.
    public var reconnectBackoffMilliseconds: Int64
    public var reconnectBackoffMaximumMilliseconds: Int64
    public var connectTimeoutMilliseconds: Int64
    /// Where the agent's journal lives; nil keeps it in memory only (tests).
    public var stateDirectory: String?
    /// How long a process group has between SIGTERM and SIGKILL when its step is cancelled or times out.
    public var killGraceMilliseconds: Int64

    public init(
        coordinatorHost: String, coordinatorPort: Int, serverHostname: String?, tls: TLSConfiguration,
        agentVersion: String, labels: [String: String] = [:], reconnectBackoffMilliseconds: Int64 = 100,
        reconnectBackoffMaximumMilliseconds: Int64 = 5_000, connectTimeoutMilliseconds: Int64 = 5_000,
        stateDirectory: String? = nil, killGraceMilliseconds: Int64 = 5_000
    ) {
        self.stateDirectory = stateDirectory
        self.killGraceMilliseconds = killGraceMilliseconds
        self.coordinatorHost = coordinatorHost
        self.coordinatorPort = coordinatorPort
        self.serverHostname = serverHostname
        self.tls = tls
        self.agentVersion = agentVersion
        self.labels = labels
        self.reconnectBackoffMilliseconds = reconnectBackoffMilliseconds
        self.reconnectBackoffMaximumMilliseconds = reconnectBackoffMaximumMilliseconds
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
    }

    /// Full jitter: a uniformly random wait up to the capped exponential bound for this failure count.
    public func reconnectDelayMilliseconds(consecutiveFailures: Int, random: inout some RandomNumberGenerator) -> Int64 {
        let exponent = Int64(min(max(consecutiveFailures - 1, 0), 30))
        let bound = min(reconnectBackoffMilliseconds << exponent, reconnectBackoffMaximumMilliseconds)
        return Int64.random(in: 0...max(bound, 1), using: &random)
    }
}
