import Glibc

/// The parts of an `http(s)://host:port/path` URL needed to send a GET.
struct HTTPTarget: Equatable, Sendable {
    var host: String
    var port: Int
    /// Path and query, always starting with `/`.
    var path: String
    /// `https://`: the GET goes over TLS.
    var secure = false

    /// The `Host` header value: brackets around IPv6 literals, port only when not the scheme's default.
    var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == Self.defaultPort(secure: secure) ? name : "\(name):\(port)"
    }

    static func defaultPort(secure: Bool) -> Int { secure ? 443 : 80 }

    enum ParseFailure: Error, Equatable, Sendable { case invalid(String) }

    /// Parses `http(s)://host[:port][/path][?query][#fragment]`.
    static func parse(_ url: String) -> Result<HTTPTarget, ParseFailure> {
        let lower = url.lowercased()
        let secure = lower.hasPrefix("https://")
        guard secure || lower.hasPrefix("http://") else { return .failure(.invalid("not an http:// or https:// URL")) }
        var rest = Substring(url.dropFirst(secure ? "https://".count : "http://".count))
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if !path.hasPrefix("/") { path = "/" + path }
        if path.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }) {
            return .failure(.invalid("the path contains spaces or control characters"))
        }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }

        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return .failure(.invalid("unterminated IPv6 literal")) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(.invalid("unexpected text after the IPv6 literal")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(.invalid("no host")) }
        guard !host.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7f }) else { return .failure(.invalid("bad host")) }
        var port = defaultPort(secure: secure)
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65_535).contains(value) else {
                return .failure(.invalid("bad port \"\(portText)\""))
            }
            port = value
        }
        return .success(HTTPTarget(host: String(host), port: port, path: path, secure: secure))
    }
}

/// Why no HTTP status was obtained.
enum HTTPFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case connect(ConnectFailure)
    case timedOut(milliseconds: Int64)
    case io(errno: Int32)
    case closedWithoutResponse
    case invalidResponse(String)
    /// TLS failed: the handshake (`TLS handshake failed: certificate verify failed`) or later.
    case tls(String)
    /// No request was sent: TLS could not be set up (`cannot use ca_file /x: …`).
    case setup(String)

    var description: String {
        switch self {
        case .connect(let failure): return failure.description
        case .timedOut(let milliseconds): return "no answer within \(milliseconds) ms"
        case .io(let code): return SystemError.lowercasedText(code)
        case .closedWithoutResponse: return "connection closed without a response"
        case .invalidResponse(let head): return "not an HTTP response: \(EvidenceText.quoted(head, limit: 80))"
        case .tls(let detail), .setup(let detail): return detail
        }
    }
}

/// A status and (when asked for) the body of an HTTP response.
struct HTTPResponse: Equatable, Sendable {
    var status: Int
    var body: [UInt8]

    /// The body after the head of `raw`, de-chunked when the head says `Transfer-Encoding: chunked`.
    static func body(of raw: [UInt8]) -> [UInt8] {
        let separator = Array("\r\n\r\n".utf8)
        guard let start = raw.indices.first(where: { raw[$0...].starts(with: separator) }) else { return [] }
        let head = String(decoding: raw[..<start], as: UTF8.self).lowercased()
        let rest = Array(raw[(start + separator.count)...])
        return head.contains("transfer-encoding: chunked") ? dechunk(rest) : rest
    }

    private static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self)
                .split(separator: ";").first.map { String($0.filter { !$0.isWhitespace }) } ?? ""
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd + 1
            out += bytes[start..<min(start + size, bytes.count)]
            index = start + size + 2
        }
        return out
    }
}

/// A minimal HTTP/1.1 GET: sends the request with `Connection: close` and parses the status line.
/// Plain `http` over a socket; `https` over the same socket wrapped in TLS (`HTTPSExchange`).
/// Blocking, bounded by the timeout; run it off the cooperative pool.
enum HTTPGet {
    static let maxHeadBytes = 8 * 1024

    static func status(of target: HTTPTarget, timeoutMilliseconds: Int64) -> Result<Int, HTTPFailure> {
        response(of: target, timeoutMilliseconds: timeoutMilliseconds, bodyLimit: nil).map(\.status)
    }

    /// Sends the GET and reads the status; with a `bodyLimit`, also reads the body (up to that many
    /// bytes, de-chunked) until the server closes the connection. An `https` target's certificate
    /// must chain to the CA in `caFile` (a PEM file), or without one to the system's trust roots.
    static func response(
        of target: HTTPTarget, timeoutMilliseconds: Int64, bodyLimit: Int?, caFile: String? = nil
    ) -> Result<HTTPResponse, HTTPFailure> {
        var tls: HTTPSExchange.Context?
        if target.secure {
            switch HTTPSExchange.context(caFile: caFile) {
            case .success(let context): tls = context
            case .failure(let failure): return .failure(failure)
            }
        }
        let deadline = ExecClock.deadline(afterMilliseconds: timeoutMilliseconds)
        let fd: Int32
        switch TCPConnect.connect(host: target.host, port: target.port, timeoutMilliseconds: timeoutMilliseconds) {
        case .success(let socket): fd = socket
        case .failure(let failure): return .failure(.connect(failure))
        }
        if let tls {
            // The exchange owns the socket from here on.
            return HTTPSExchange.exchange(
                socket: fd, target: target, context: tls, request: request(for: target), deadline: deadline,
                timeoutMilliseconds: timeoutMilliseconds, bodyLimit: bodyLimit
            ).flatMap { finish($0, bodyLimit: bodyLimit) }
        }
        defer { close(fd) }

        var bytes = request(for: target)[...]
        while !bytes.isEmpty {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                bytes = bytes.dropFirst(sent)
                continue
            }
            if sent < 0, errno == EINTR { continue }
            if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                if let failure = wait(fd, events: POLLOUT, deadline: deadline, timeout: timeoutMilliseconds) {
                    return .failure(failure)
                }
                continue
            }
            return .failure(.io(errno: errno))
        }

        var head: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2_048)
        while wantsMore(head, bodyLimit: bodyLimit) {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                head.append(contentsOf: chunk[..<count])
            } else if count == 0 {
                break
            } else if errno == EINTR {
                continue
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                if let failure = wait(fd, events: POLLIN, deadline: deadline, timeout: timeoutMilliseconds) {
                    return .failure(failure)
                }
            } else {
                return .failure(.io(errno: errno))
            }
        }
        return finish(head, bodyLimit: bodyLimit)
    }

    static func request(for target: HTTPTarget) -> [UInt8] {
        Array(
            ("GET \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: baton-agent\r\n"
                + "Accept: */*\r\nConnection: close\r\n\r\n").utf8)
    }

    /// True while the response read so far (`received`) is not enough: without a body limit, until
    /// the status line is complete; with one, until the head and that much body could be there.
    static func wantsMore(_ received: [UInt8], bodyLimit: Int?) -> Bool {
        if let bodyLimit { return received.count < maxHeadBytes + bodyLimit }
        return !received.contains(UInt8(ascii: "\n")) && received.count < maxHeadBytes
    }

    /// The response in the bytes received.
    static func finish(_ received: [UInt8], bodyLimit: Int?) -> Result<HTTPResponse, HTTPFailure> {
        if received.isEmpty { return .failure(.closedWithoutResponse) }
        return parseStatusLine(received).map { status in
            HTTPResponse(status: status, body: bodyLimit.map { Array(HTTPResponse.body(of: received).prefix($0)) } ?? [])
        }
    }

    /// `HTTP/1.1 503 Service Unavailable` -> 503.
    static func parseStatusLine(_ head: [UInt8]) -> Result<Int, HTTPFailure> {
        let lineEnd = head.firstIndex(of: UInt8(ascii: "\n")) ?? head.endIndex
        var line = String(decoding: head[..<lineEnd], as: UTF8.self)
        if line.hasSuffix("\r") { line.removeLast() }
        let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/"), fields[1].count == 3, let code = Int(fields[1]),
            (100...999).contains(code)
        else { return .failure(.invalidResponse(line)) }
        return .success(code)
    }

    private static func wait(_ fd: Int32, events: Int32, deadline: Int64, timeout: Int64) -> HTTPFailure? {
        switch TCPConnect.waitFor(fd, events: events, deadline: deadline) {
        case .ready: return nil
        case .timedOut: return .timedOut(milliseconds: timeout)
        case .failed(let code): return .io(errno: code)
        }
    }
}
