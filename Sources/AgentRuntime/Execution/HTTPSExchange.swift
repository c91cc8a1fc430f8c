import Foundation
import Glibc
import NIOCore
import NIOPosix
import NIOSSL

/// One HTTP request and its response over TLS, on a socket `TCPConnect` already connected: NIOSSL on
/// the shared event loop group does the TLS. Blocking (waits on futures): run it on a dedicated
/// thread, never on the cooperative pool or an event loop.
enum HTTPSExchange {
    typealias Context = NIOSSLContext

    /// TLS 1.2 or newer with full verification: the chain against the CA certificates in `caFile`
    /// (PEM) or, without one, the system's trust roots; the certificate must name the host.
    static func context(caFile: String?) -> Result<Context, HTTPFailure> {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .fullVerification
        if let caFile {
            guard access(caFile, R_OK) == 0 else {
                return .failure(.setup("cannot use ca_file \(caFile): \(SystemError.lowercasedText(errno))"))
            }
            guard let certificates = try? NIOSSLCertificate.fromPEMFile(caFile), !certificates.isEmpty else {
                return .failure(.setup("cannot use ca_file \(caFile): it holds no PEM certificate"))
            }
            configuration.trustRoots = .certificates(certificates)
        }
        do {
            return .success(try NIOSSLContext(configuration: configuration))
        } catch {
            return .failure(.setup("cannot set up TLS: \(error)"))
        }
    }

    /// Sends `request` and returns the bytes received until the server closed the connection or
    /// `HTTPGet.wantsMore` was satisfied. Takes ownership of `socket` (closed when done).
    static func exchange(
        socket: Int32, target: HTTPTarget, context: Context, request: [UInt8], deadline: Int64,
        timeoutMilliseconds: Int64, bodyLimit: Int?
    ) -> Result<[UInt8], HTTPFailure> {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let response = eventLoop.makePromise(of: [UInt8].self)
        // An IP literal is not sent as SNI; the certificate is then checked for that IP address.
        let serverHostname = isIPAddress(target.host) ? nil : target.host
        let channel: any Channel
        do {
            channel = try ClientBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                        try channel.pipeline.syncOperations.addHandler(tls)
                        try channel.pipeline.syncOperations.addHandler(
                            ResponseCollector(response: response, bodyLimit: bodyLimit))
                    }
                }
                .withConnectedSocket(socket)
                .wait()
        } catch {
            response.fail(error)
            return .failure(failure(error, host: target.host))
        }
        let remaining = max(0, deadline - ExecClock.monotonicMilliseconds())
        let timeout = eventLoop.scheduleTask(in: .milliseconds(remaining)) { response.fail(TimedOut()) }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }
        channel.writeAndFlush(ByteBuffer(bytes: request), promise: nil)
        do {
            return .success(try response.futureResult.wait())
        } catch is TimedOut {
            return .failure(.timedOut(milliseconds: timeoutMilliseconds))
        } catch {
            return .failure(failure(error, host: target.host))
        }
    }

    private struct TimedOut: Error {}

    /// What an error of the TLS connection means, in the words of the evidence.
    static func failure(_ error: any Error, host: String) -> HTTPFailure {
        switch error {
        case NIOSSLError.handshakeFailed(let reason):
            return .tls("TLS handshake failed: \(describe(reason))")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return .tls("TLS handshake failed: the server's certificate is not valid for \(host)")
        case let error as IOError:
            return .io(errno: error.errnoCode)
        default:
            return .tls("TLS failed: \(error)")
        }
    }

    /// `certificate verify failed` from BoringSSL's `error:1000007d:SSL routines:OPENSSL_internal:CERTIFICATE_VERIFY_FAILED at …`.
    static func describe(_ error: BoringSSLError) -> String {
        switch error {
        case .sslError(let stack), .unknownError(let stack), .invalidSNIName(let stack), .failedToSetALPN(let stack):
            let reasons = stack.map { entry -> String in
                var text = entry.description
                if let at = text.range(of: " at ") { text = String(text[..<at.lowerBound]) }
                let reason = text.split(separator: ":").last.map(String.init) ?? text
                return reason.lowercased().replacingOccurrences(of: "_", with: " ")
            }
            return reasons.isEmpty ? "\(error)" : reasons.joined(separator: "; ")
        case .zeroReturn, .syscallError:
            return "the server closed the connection"
        default:
            return "\(error)"
        }
    }

    /// True for an IPv4 or IPv6 address literal (no brackets).
    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// Collects the decrypted response and completes `response` once there is enough of it, the server
/// closed the connection, or the connection failed.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let response: EventLoopPromise<[UInt8]>
    private let bodyLimit: Int?
    private var received: [UInt8] = []
    private var error: (any Error)?

    init(response: EventLoopPromise<[UInt8]>, bodyLimit: Int?) {
        self.response = response
        self.bodyLimit = bodyLimit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        received += buffer.readBytes(length: buffer.readableBytes) ?? []
        if !HTTPGet.wantsMore(received, bodyLimit: bodyLimit) {
            response.succeed(received)
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A server that closes without a TLS close_notify still ended its `Connection: close` response.
        if let error = error as? NIOSSLError, error == .uncleanShutdown { return }
        if self.error == nil { self.error = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let error {
            response.fail(error)
        } else {
            response.succeed(received)
        }
        context.fireChannelInactive()
    }
}
