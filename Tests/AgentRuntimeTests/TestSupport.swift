import Foundation
import Glibc
import Testing

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct ExecTestDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "baton-exec-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

struct SocketError: Error, CustomStringConvertible {
    var description: String
}

/// A TCP socket bound to 127.0.0.1 on a kernel-chosen port, listening unless `listen: false`.
final class LoopbackSocket: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(listen shouldListen: Bool = true) throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socketFD >= 0 else { throw SocketError(description: "socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFD, $0, length) }
        }
        guard bound == 0 else { throw SocketError(description: "bind: \(errno)") }
        if shouldListen, listen(socketFD, 16) != 0 { throw SocketError(description: "listen: \(errno)") }
        var nameLength = length
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &nameLength) }
        }
        fd = socketFD
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = shutdown(fd, Int32(SHUT_RDWR))
        _ = Glibc.close(fd)
    }

    /// A port that was bound a moment ago and is now closed: connecting to it is refused.
    static func closedPort() throws -> Int {
        let socket = try LoopbackSocket(listen: false)
        socket.close()
        return socket.port
    }
}

/// A tiny HTTP server on a thread: answers every request with `status` and `body` and records the request heads.
/// With `respond: false` it accepts connections but never answers (for timeout tests).
final class TestHTTPServer: @unchecked Sendable {
    let listener: LoopbackSocket
    let status: Int
    let respond: Bool
    let body: String
    private let lock = NSLock()
    private var heads: [String] = []
    private var held: [Int32] = []

    init(status: Int, respond: Bool = true, body: String = "ok") throws {
        listener = try LoopbackSocket()
        self.status = status
        self.respond = respond
        self.body = body
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var port: Int { listener.port }

    var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return heads
    }

    func stop() {
        listener.close()
        lock.lock()
        held.forEach { _ = Glibc.close($0) }
        held = []
        lock.unlock()
    }

    private func serve() {
        while true {
            let client = accept(listener.fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            guard respond else {
                lock.lock()
                held.append(client)
                lock.unlock()
                continue
            }
            var head: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 1024)
            while head.count < 16_384, !String(decoding: head, as: UTF8.self).contains("\r\n\r\n") {
                let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                head.append(contentsOf: chunk[..<count])
            }
            lock.lock()
            heads.append(String(decoding: head, as: UTF8.self))
            lock.unlock()
            let response = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            _ = Array(response.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            _ = Glibc.close(client)
        }
    }
}

/// True once `pid` no longer runs: gone entirely (ESRCH), or a zombie. A killed orphan is
/// reparented to PID 1, and a container's PID 1 may never reap it; as a zombie it runs nothing.
func processIsGone(_ pid: pid_t) -> Bool {
    if kill(pid, 0) == -1, errno == ESRCH { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
}

/// Polls `condition` every 20 ms for up to `milliseconds`.
func pollUntil(within milliseconds: Int = 2_000, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(Double(milliseconds) / 1_000)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return condition()
}
