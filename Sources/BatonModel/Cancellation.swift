/// The coordinator asks an agent to stop an attempt (the run was aborted). The agent kills the
/// attempt's process group and reports it `failed` with failure kind `cancelled`; a cancel for an
/// attempt that is not running changes nothing there (a finished attempt's report is sent again).
public struct CancelRequest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The longest reason carried on the wire.
    public static let maximumReasonLength = 1_024

    public var key: AttemptKey
    /// Why (`run aborted by operator:alice: database is melting`).
    public var reason: String

    public init(key: AttemptKey, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "cancel \(key): \(reason)" }
}
