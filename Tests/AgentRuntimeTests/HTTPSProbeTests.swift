import BatonModel
import Foundation
import Glibc
import NIOSSL
import Testing

@testable import AgentRuntime

/// https probes against a real NIOSSL server on 127.0.0.1 with certificates from a test CA.
@Suite struct HTTPSProbeTests {
    let evaluator = ProbeEvaluator()

    /// A PKI and a server whose certificate names `localhost` and 127.0.0.1.
    private func withServer(
        status: Int = 200, body: String = "ok", maximumTLSVersion: TLSVersion? = nil,
        names: [String] = ["DNS:localhost", "IP:127.0.0.1"], _ run: (TestPKI, TestHTTPSServer) async throws -> Void
    ) async throws {
        let pki = try await TestPKI.make()
        defer { pki.remove() }
        let credential = try await pki.serverCredential("server", names: names)
        let server = try await TestHTTPSServer(
            certificate: credential.certificate, key: credential.key, status: status, body: body,
            maximumTLSVersion: maximumTLSVersion)
        do {
            try await run(pki, server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func passesWithTheRightCA() async throws {
        try await withServer(body: #"{"status": "up"}"#) { pki, server in
            let probe = HTTPProbe(
                url: "https://127.0.0.1:\(server.port)/health", bodyContains: "up",
                json: JSONFieldCheck(path: "status", equals: "up"), caFile: pki.caFile)
            let evidence = await evaluator.evaluate(.http(probe), phase: .post)
            #expect(evidence.passed, "\(evidence.observed)")
            #expect(evidence.observed == #"status 200, body contains "up", json status is "up""#)
        }
    }

    @Test func passesForAHostNameInTheCertificate() async throws {
        try await withServer(status: 204) { pki, server in
            let probe = HTTPProbe(url: "https://localhost:\(server.port)/", status: 204, caFile: pki.caFile)
            let evidence = await evaluator.evaluate(.http(probe), phase: .post)
            #expect(evidence.passed, "\(evidence.observed)")
        }
    }

    @Test func failsWithAWrongCA() async throws {
        try await withServer { pki, server in
            let probe = HTTPProbe(url: "https://127.0.0.1:\(server.port)/", caFile: pki.otherCAFile)
            let evidence = await evaluator.evaluate(.http(probe), phase: .post)
            #expect(!evidence.passed)
            #expect(evidence.observed == "no response: TLS handshake failed: certificate verify failed")
        }
    }

    @Test func failsAgainstTheSystemRootsForAPrivateCA() async throws {
        try await withServer { _, server in
            let evidence = await evaluator.evaluate(.http(HTTPProbe(url: "https://127.0.0.1:\(server.port)/")), phase: .post)
            #expect(!evidence.passed)
            #expect(evidence.observed == "no response: TLS handshake failed: certificate verify failed")
        }
    }

    @Test func failsWhenTheCertificateNamesAnotherHost() async throws {
        try await withServer(names: ["DNS:elsewhere.test", "IP:10.9.9.9"]) { pki, server in
            let probe = HTTPProbe(url: "https://127.0.0.1:\(server.port)/", caFile: pki.caFile)
            let evidence = await evaluator.evaluate(.http(probe), phase: .post)
            #expect(!evidence.passed)
            #expect(evidence.observed == "no response: TLS handshake failed: the server's certificate is not valid for 127.0.0.1")
        }
    }

    @Test func refusesServersOlderThanTLS12() async throws {
        try await withServer(maximumTLSVersion: .tlsv11) { pki, server in
            let probe = HTTPProbe(url: "https://127.0.0.1:\(server.port)/", caFile: pki.caFile)
            let evidence = await evaluator.evaluate(.http(probe), phase: .post)
            #expect(!evidence.passed)
            #expect(evidence.observed.hasPrefix("no response: TLS handshake failed: "), "\(evidence.observed)")
        }
    }

    @Test func explainsAnUnusableCAFile() async throws {
        let directory = try ExecTestDirectory()
        defer { directory.remove() }
        let missing = directory.file("missing.pem")
        let url = "https://127.0.0.1:1/"
        let absent = await evaluator.evaluate(.http(HTTPProbe(url: url, caFile: missing)), phase: .pre)
        #expect(!absent.passed)
        #expect(absent.observed == "cannot use ca_file \(missing): no such file or directory")

        let garbage = directory.file("garbage.pem")
        try "not a certificate\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let unreadable = await evaluator.evaluate(.http(HTTPProbe(url: url, caFile: garbage)), phase: .pre)
        #expect(unreadable.observed == "cannot use ca_file \(garbage): it holds no PEM certificate")
    }

    @Test func aPlainHTTPServerFailsTheHandshake() async throws {
        // Answers the ClientHello the way a plain HTTP server answers garbage.
        let listener = try LoopbackSocket()
        defer { listener.close() }
        let thread = Thread {
            let client = accept(listener.fd, nil, nil)
            guard client >= 0 else { return }
            var request = [UInt8](repeating: 0, count: 1024)
            _ = recv(client, &request, request.count, 0)
            let answer = Array("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n".utf8)
            _ = send(client, answer, answer.count, Int32(MSG_NOSIGNAL))
            _ = close(client)
        }
        thread.start()
        let evidence = await evaluator.evaluate(.http(HTTPProbe(url: "https://127.0.0.1:\(listener.port)/")), phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed.hasPrefix("no response: TLS handshake failed: "), "\(evidence.observed)")
    }

    @Test func aServerThatNeverAnswersTheHandshakeRespectsTheTimeout() async throws {
        let silent = try LoopbackSocket()
        defer { silent.close() }
        let started = Date()
        let probe = HTTPProbe(url: "https://127.0.0.1:\(silent.port)/", timeoutMilliseconds: 300)
        let evidence = await evaluator.evaluate(.http(probe), phase: .pre)
        #expect(Date().timeIntervalSince(started) < 3)
        #expect(evidence.observed == "no response: no answer within 300 ms")
    }
}
