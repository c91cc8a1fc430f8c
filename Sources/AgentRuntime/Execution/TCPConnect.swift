import Glibc

/// Why a TCP connection could not be made.
enum ConnectFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidPort(Int)
    case unresolved(host: String, reason: String)
    case timedOut(milliseconds: Int64)
    case failed(errno: Int32)

    var description: String {
        switch self {
        case .invalidPort(let port): return "invalid port \(port)"
        case .unresolved(let host, let reason): return "cannot resolve host \"\(host)\": \(reason)"
        case .timedOut(let milliseconds): return "no answer within \(milliseconds) ms"
        case .failed(let code): return SystemError.lowercasedText(code)
        }
    }

    /// True when the failure says something about the port (refused, unreachable, silent) rather
    /// than about the probe itself (bad port, unknown host).
    var isReachabilityAnswer: Bool {
        switch self {
        case .invalidPort, .unresolved: return false
        case .timedOut, .failed: return true
        }
    }
}

/// Blocking, deadline-bounded TCP connect: host name or IPv4/IPv6 literal via `getaddrinfo`,
/// then a non-blocking `connect` per address, waited for with `poll`.
enum TCPConnect {
    /// Returns a connected, non-blocking, close-on-exec socket, or why there is none.
    static func connect(host rawHost: String, port: Int, timeoutMilliseconds: Int64) -> Result<Int32, ConnectFailure> {
        let deadline = ExecClock.deadline(afterMilliseconds: timeoutMilliseconds)
        guard (1...65_535).contains(port) else { return .failure(.invalidPort(port)) }
        var host = rawHost
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }

        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == EAI_SYSTEM ? SystemError.text(errno) : String(cString: gai_strerror(rc))
            return .failure(.unresolved(host: rawHost, reason: reason))
        }
        defer { freeaddrinfo(first) }

        var lastFailure = ConnectFailure.failed(errno: ECONNREFUSED)
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor?.pointee {
            cursor = info.ai_next
            switch attempt(info, deadline: deadline, timeoutMilliseconds: timeoutMilliseconds) {
            case .success(let fd): return .success(fd)
            case .failure(let failure):
                lastFailure = failure
                if case .timedOut = failure { return .failure(failure) }
            }
        }
        return .failure(lastFailure)
    }

    private static func attempt(_ info: addrinfo, deadline: Int64, timeoutMilliseconds: Int64) -> Result<Int32, ConnectFailure> {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        let fd = socket(info.ai_family, type, info.ai_protocol)
        guard fd >= 0 else { return .failure(.failed(errno: errno)) }
        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return .success(fd) }
        guard errno == EINPROGRESS else {
            let code = errno
            close(fd)
            return .failure(.failed(errno: code))
        }
        switch waitFor(fd, events: POLLOUT, deadline: deadline) {
        case .ready:
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 { error = errno }
            if error == 0 { return .success(fd) }
            close(fd)
            return .failure(.failed(errno: error))
        case .timedOut:
            close(fd)
            return .failure(.timedOut(milliseconds: timeoutMilliseconds))
        case .failed(let code):
            close(fd)
            return .failure(.failed(errno: code))
        }
    }

    enum WaitResult: Equatable { case ready, timedOut, failed(Int32) }

    /// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the monotonic `deadline` passes.
    static func waitFor(_ fd: Int32, events: Int32, deadline: Int64) -> WaitResult {
        while true {
            var entry = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = poll(&entry, 1, ExecClock.pollTimeout(until: deadline))
            if ready > 0 { return .ready }
            if ready == 0 { return .timedOut }
            if errno != EINTR { return .failed(errno) }
        }
    }
}
