/// `HOST:PORT` as written on a command line (`127.0.0.1:7443`, `[::1]:7443`, `db.example:7443`).
public enum HostPort {
    /// Splits `value`; the error names `option` and says what is wrong.
    public static func parse(_ value: String, option: String) throws -> (host: String, port: Int) {
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            throw HostPortError(description: "\(option) \(value): expected HOST:PORT")
        }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw HostPortError(description: "\(option) \(value): the host is empty") }
        return (host, port)
    }
}

public struct HostPortError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
