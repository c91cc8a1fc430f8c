import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// TCP and HTTP probes against real sockets on 127.0.0.1.
@Suite struct NetworkProbeTests {
    let evaluator = ProbeEvaluator()

    // MARK: tcp

    @Test func tcpOpenPassesAgainstAListener() async throws {
        let listener = try LoopbackSocket()
        defer { listener.close() }
        let evidence = await evaluator.evaluate(.tcp(TCPProbe(port: listener.port)), phase: .pre)
        #expect(evidence.passed)
        #expect(evidence.expected == "open")
        #expect(evidence.observed == "open")
    }

    @Test func tcpOpenFailsOnAClosedPort() async throws {
        let port = try LoopbackSocket.closedPort()
        let evidence = await evaluator.evaluate(.tcp(TCPProbe(port: port)), phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == "closed (connection refused)")
    }

    @Test func tcpClosedPassesOnAClosedPortAndFailsOnAListener() async throws {
        let port = try LoopbackSocket.closedPort()
        let closed = await evaluator.evaluate(.tcp(TCPProbe(port: port, state: .closed)), phase: .post)
        #expect(closed.passed)
        #expect(closed.expected == "closed")

        let listener = try LoopbackSocket()
        defer { listener.close() }
        let open = await evaluator.evaluate(.tcp(TCPProbe(port: listener.port, state: .closed)), phase: .post)
        #expect(!open.passed)
        #expect(open.observed == "open")
    }

    @Test func tcpResolvesHostNames() async throws {
        let listener = try LoopbackSocket()
        defer { listener.close() }
        let evidence = await evaluator.evaluate(.tcp(TCPProbe(host: "localhost", port: listener.port)), phase: .pre)
        #expect(evidence.passed)
    }

    @Test func tcpInvalidPortNeverPasses() async {
        let evidence = await evaluator.evaluate(.tcp(TCPProbe(port: 70_000, state: .closed)), phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == "invalid port 70000")
    }

    // MARK: http

    @Test func httpStatusPasses() async throws {
        let server = try TestHTTPServer(status: 200)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/health?deep=1"
        let evidence = await evaluator.evaluate(.http(HTTPProbe(url: url)), phase: .post)
        #expect(evidence.passed)
        #expect(evidence.probe == "http \(url)")
        #expect(evidence.expected == "status 200")
        #expect(evidence.observed == "status 200")
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("GET /health?deep=1 HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("\r\nConnection: close\r\n"))
    }

    @Test func httpWrongStatusFails() async throws {
        let server = try TestHTTPServer(status: 503)
        defer { server.stop() }
        let evidence = await evaluator.evaluate(.http(HTTPProbe(url: "http://127.0.0.1:\(server.port)/")), phase: .post)
        #expect(!evidence.passed)
        #expect(evidence.observed == "status 503")

        let expecting503 = await evaluator.evaluate(
            .http(HTTPProbe(url: "http://127.0.0.1:\(server.port)", status: 503)), phase: .post
        )
        #expect(expecting503.passed)
    }

    @Test func httpUnreachablePortFails() async throws {
        let port = try LoopbackSocket.closedPort()
        let evidence = await evaluator.evaluate(.http(HTTPProbe(url: "http://127.0.0.1:\(port)/health")), phase: .post)
        #expect(!evidence.passed)
        #expect(evidence.observed == "no response: connection refused")
    }

    @Test func httpSilentServerRespectsTheTimeout() async throws {
        let server = try TestHTTPServer(status: 200, respond: false)
        defer { server.stop() }
        let started = Date()
        let evidence = await evaluator.evaluate(
            .http(HTTPProbe(url: "http://127.0.0.1:\(server.port)/", timeoutMilliseconds: 300)), phase: .pre
        )
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(!evidence.passed)
        #expect(evidence.observed == "no response: no answer within 300 ms")
    }

    @Test func httpURLParsing() throws {
        #expect(try HTTPTarget.parse("http://example.test").get() == HTTPTarget(host: "example.test", port: 80, path: "/"))
        let v6 = try HTTPTarget.parse("http://user@[::1]:8080/a/b?c=d#frag").get()
        #expect(v6 == HTTPTarget(host: "::1", port: 8080, path: "/a/b?c=d"))
        #expect(v6.hostHeader == "[::1]:8080")
        #expect(try HTTPTarget.parse("HTTP://host?x=1").get().path == "/?x=1")
        let secure = try HTTPTarget.parse("HTTPS://host/x").get()
        #expect(secure == HTTPTarget(host: "host", port: 443, path: "/x", secure: true))
        #expect(secure.hostHeader == "host")
        #expect(try HTTPTarget.parse("https://host:8443").get().hostHeader == "host:8443")
        #expect(HTTPTarget.parse("ftp://host/") == .failure(.invalid("not an http:// or https:// URL")))
        #expect(HTTPTarget.parse("http://host:99999/") == .failure(.invalid("bad port \"99999\"")))
        #expect(HTTPTarget.parse("http://host/a b") == .failure(.invalid("the path contains spaces or control characters")))
        #expect(HTTPGet.parseStatusLine(Array("HTTP/1.0 404 Not Found\r\n".utf8)) == .success(404))
        #expect(HTTPGet.parseStatusLine(Array("SSH-2.0-OpenSSH\r\n".utf8)) == .failure(.invalidResponse("SSH-2.0-OpenSSH")))
    }
}
