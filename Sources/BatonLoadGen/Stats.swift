import BatonProto
import Foundation
import NIOConcurrencyHelpers
import SwiftProtobuf

/// Counters shared by every session (event loop threads) and the stats writer.
final class Stats: Sendable {
    struct Snapshot: Codable, Sendable {
        var agents: Int
        var welcomed = 0
        var connectedNow = 0
        var connectFailures = 0
        var disconnects = 0
        var sessionErrors = 0
        var lastError = ""
        var connectSeconds: Double?
        /// Assignments answered with a verified report.
        var assignments = 0
        var reportsSent = 0
        var acksReceived = 0
        var heartbeatsSent = 0
        var reconcileQueries = 0
        /// Plaintext Baton bytes (4-byte frame header + serialized envelope), by direction.
        var frameBytesSent = 0
        var frameBytesReceived = 0
        /// The part of `frameBytesSent` that was heartbeats (not step traffic).
        var heartbeatFrameBytesSent = 0
        /// TLS record bytes on the TCP connections (what the kernel sent/received as payload).
        var wireBytesSent = 0
        var wireBytesReceived = 0
        var messagesSent = 0
        var messagesReceived = 0
        var writtenAtMs: Int64 = 0
    }

    private let box: NIOLockedValueBox<Snapshot>

    init(agents: Int) { box = NIOLockedValueBox(Snapshot(agents: agents)) }

    func snapshot() -> Snapshot { box.withLockedValue { $0 } }

    func welcome() { box.withLockedValue { $0.welcomed += 1; $0.connectedNow += 1 } }
    func disconnected() { box.withLockedValue { $0.connectedNow -= 1; $0.disconnects += 1 } }
    func assignment() { box.withLockedValue { $0.assignments += 1 } }
    func setConnectSeconds(_ seconds: Double) { box.withLockedValue { $0.connectSeconds = seconds } }

    func failed(_ error: any Error) {
        box.withLockedValue { $0.connectFailures += 1; $0.lastError = "\(error)" }
    }

    func sessionError(_ error: any Error) {
        box.withLockedValue { $0.sessionErrors += 1; $0.lastError = "\(error)" }
    }

    func addWire(received: Int, sent: Int) {
        box.withLockedValue { $0.wireBytesReceived += received; $0.wireBytesSent += sent }
    }

    func sent(_ envelope: Baton_V1_Envelope) {
        let size = Self.frameSize(envelope)
        box.withLockedValue {
            $0.messagesSent += 1
            $0.frameBytesSent += size
            switch envelope.body {
            case .report: $0.reportsSent += 1
            case .heartbeat: $0.heartbeatsSent += 1; $0.heartbeatFrameBytesSent += size
            default: break
            }
        }
    }

    func received(_ envelope: Baton_V1_Envelope) {
        let size = Self.frameSize(envelope)
        box.withLockedValue {
            $0.messagesReceived += 1
            $0.frameBytesReceived += size
            switch envelope.body {
            case .ack: $0.acksReceived += 1
            case .reconcileQuery: $0.reconcileQueries += 1
            default: break
            }
        }
    }

    static func frameSize(_ envelope: Baton_V1_Envelope) -> Int {
        let bytes: [UInt8] = (try? envelope.serializedBytes()) ?? []
        return 4 + bytes.count
    }
}

/// Writes the counters as JSON to a file (write to a temporary name, then rename) every 200 ms.
final class StatsWriter: @unchecked Sendable {
    let path: String
    let stats: Stats
    private let timer: NIOLockedValueBox<(any DispatchSourceTimer)?> = NIOLockedValueBox(nil)

    init(path: String, stats: Stats) {
        self.path = path
        self.stats = stats
    }

    func start() {
        let source = DispatchSource.makeTimerSource(queue: .global())
        source.schedule(deadline: .now(), repeating: .milliseconds(200))
        source.setEventHandler { [self] in writeNow() }
        source.resume()
        timer.withLockedValue { $0 = source }
    }

    func writeNow() {
        var snapshot = stats.snapshot()
        snapshot.writtenAtMs = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(snapshot) else { return }
        let temporary = path + ".tmp.\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        _ = rename(temporary, path)
    }
}
