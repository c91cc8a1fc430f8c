/// Errors raised by Baton's framing and codec handlers. Any of them closes the connection it happened on.
public struct WireError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case frameTooLarge(length: Int, maximum: Int)
        case truncatedFrame(bufferedBytes: Int)
        case malformedEnvelope(String)
        case emptyEnvelope
        case unsupportedProtocolVersion(UInt32)
        case malformedField(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    public static func frameTooLarge(length: Int, maximum: Int) -> WireError { .init(.frameTooLarge(length: length, maximum: maximum)) }
    public static func truncatedFrame(bufferedBytes: Int) -> WireError { .init(.truncatedFrame(bufferedBytes: bufferedBytes)) }
    public static func malformedEnvelope(_ detail: String) -> WireError { .init(.malformedEnvelope(detail)) }
    public static let emptyEnvelope = WireError(.emptyEnvelope)
    public static func unsupportedProtocolVersion(_ version: UInt32) -> WireError { .init(.unsupportedProtocolVersion(version)) }
    public static func malformedField(_ detail: String) -> WireError { .init(.malformedField(detail)) }

    public var description: String {
        switch code {
        case .frameTooLarge(let length, let maximum):
            return "frame length \(length) exceeds the maximum of \(maximum) bytes"
        case .truncatedFrame(let bufferedBytes):
            return "connection closed in the middle of a frame (\(bufferedBytes) bytes buffered)"
        case .malformedEnvelope(let detail):
            return "malformed envelope: \(detail)"
        case .emptyEnvelope:
            return "envelope carries no message"
        case .unsupportedProtocolVersion(let version):
            return "unsupported protocol version \(version) (this side speaks \(ProtocolVersion.current))"
        case .malformedField(let detail):
            return "malformed field: \(detail)"
        }
    }
}

/// The wire protocol version carried in Hello and Welcome.
public enum ProtocolVersion {
    public static let current: UInt32 = 1
}
