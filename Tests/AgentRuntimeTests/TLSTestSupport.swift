import Foundation
import NIOCore
import NIOPosix
import NIOSSL

@testable import AgentRuntime

/// A throwaway PKI made with the `openssl` CLI: a test CA, server certificates it signed, and an
/// unrelated CA. Everything lives in one temporary directory.
struct TestPKI {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let directory: ExecTestDirectory
    /// The CA that signed the server certificates.
    var caFile: String { directory.file("ca.pem") }
    /// A CA that signed nothing here.
    var otherCAFile: String { directory.file("other-ca.pem") }

    static func make() async throws -> TestPKI {
        let pki = TestPKI(directory: try ExecTestDirectory())
        for ca in ["ca", "other-ca"] {
            try await pki.openssl(
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-keyout", "\(ca).key", "-out", "\(ca).pem", "-subj", "/CN=Baton test \(ca)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        }
        return pki
    }

    /// A server certificate and key signed by `caFile` for `names` (`DNS:localhost`, `IP:127.0.0.1`).
    func serverCredential(_ name: String, names: [String]) async throws -> (certificate: String, key: String) {
        let extensions = directory.file("\(name).ext")
        try "subjectAltName=\(names.joined(separator: ","))\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try await openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(name).key",
            "-out", "\(name).csr", "-subj", "/CN=\(name)")
        try await openssl(
            "x509", "-req", "-in", "\(name).csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
            "-out", "\(name).pem", "-extfile", extensions)
        return (directory.file("\(name).pem"), directory.file("\(name).key"))
    }

    private func openssl(_ arguments: String...) async throws {
        let result = await ProcessRunner().run(
            argv: ["sh", "-c", "cd \"$0\" && exec openssl \"$@\"", directory.path] + arguments, env: [:],
            timeoutMilliseconds: 30_000)
        guard result.exitCode == 0 else {
            throw Failure(description: "openssl \(arguments.joined(separator: " ")): \(result.outcomeSummary) \(result.stderr)")
        }
    }

    func remove() { directory.remove() }
}

/// An HTTPS server on 127.0.0.1 (NIOSSL): answers every request with `status` and `body`, then closes.
final class TestHTTPSServer: Sendable {
    let channel: any Channel
    let port: Int

    init(
        certificate: String, key: String, status: Int = 200, body: String = "ok",
        maximumTLSVersion: TLSVersion? = nil
    ) async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximumTLSVersion
        let context = try NIOSSLContext(configuration: configuration)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try channel.pipeline.syncOperations.addHandler(Responder(status: status, body: body))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
    }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let status: Int
        let body: String
        var head = ""

        init(status: Int, body: String) {
            self.status = status
            self.body = body
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            head += String(buffer: unwrapInboundIn(data))
            guard head.contains("\r\n\r\n") else { return }
            let response = "HTTP/1.1 \(status) Test\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response)), promise: nil)
            context.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
