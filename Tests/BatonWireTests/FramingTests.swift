import BatonProto
import BatonWire
import NIOCore
import NIOEmbedded
import SwiftProtobuf
import Testing

/// A channel with Baton's framing and envelope codec, as both sides install it.
private func framedChannel(maximumFrameLength: Int = FrameDecoder.defaultMaximumFrameLength) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    try channel.pipeline.syncOperations.addBatonFraming(maximumFrameLength: maximumFrameLength)
    try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 7443)).wait()
    return channel
}

private func sampleEnvelopes() -> [Baton_V1_Envelope] {
    [
        .with {
            $0.messageID = 1
            $0.hello = .with {
                $0.protocolVersion = 1
                $0.agentVersion = "0.1.0"
                $0.capabilities = ["probes.http", "probes.tcp"]
                $0.labels = ["zone": "eu-west-1a"]
            }
        },
        .with {
            $0.messageID = 2
            $0.assignment = .with {
                $0.runID = "r-000001"
                $0.stepID = "drain-traffic"
                $0.attempt = 1
                $0.coordinatorEpoch = 9
                $0.action = .with { $0.argv = ["/bin/sh", "-c", String(repeating: "echo drain; ", count: 40)] }
                $0.timeoutMs = 30_000
            }
        },
        .with { $0.messageID = 3; $0.heartbeat = .with { $0.sentAtMs = 1_700_000_000_000 } },
        .with {
            $0.messageID = 4
            $0.ack = .with { $0.messageID = 2; $0.runID = "r-000001"; $0.stepID = "drain-traffic"; $0.attempt = 1 }
        },
        .with { $0.messageID = 5; $0.reject = .with { $0.reason = "unsupported protocol version 9" } },
    ]
}

private func frame(_ payload: [UInt8], declaredLength: UInt32? = nil) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(declaredLength ?? UInt32(payload.count), endianness: .big)
    buffer.writeBytes(payload)
    return buffer
}

/// Everything the sending side wrote to the wire for `envelopes`, as one buffer.
private func encodeOnWire(_ envelopes: [Baton_V1_Envelope]) throws -> ByteBuffer {
    let sender = try framedChannel()
    var wire = ByteBuffer()
    for envelope in envelopes {
        try sender.writeOutbound(envelope)
        while var chunk = try sender.readOutbound(as: ByteBuffer.self) {
            wire.writeBuffer(&chunk)
        }
    }
    #expect(try sender.finish().isClean)
    return wire
}

private func readEnvelopes(_ channel: EmbeddedChannel) throws -> [Baton_V1_Envelope] {
    var received: [Baton_V1_Envelope] = []
    while let envelope = try channel.readInbound(as: Baton_V1_Envelope.self) { received.append(envelope) }
    return received
}

@Suite("Framing and envelope codec")
struct FramingTests {
    @Test("each outbound envelope becomes a 4-byte big-endian length followed by the serialized envelope")
    func encoderPrefixesLength() throws {
        let envelope = sampleEnvelopes()[1]
        var wire = try encodeOnWire([envelope])
        let body: [UInt8] = try envelope.serializedBytes()
        #expect(wire.readInteger(endianness: .big, as: UInt32.self) == UInt32(body.count))
        #expect(wire.readBytes(length: wire.readableBytes) == body)
    }

    @Test("several envelopes written in one buffer all come out, in order")
    func roundTripInOneBuffer() throws {
        let envelopes = sampleEnvelopes()
        let wire = try encodeOnWire(envelopes)
        let receiver = try framedChannel()
        try receiver.writeInbound(wire)
        #expect(try readEnvelopes(receiver) == envelopes)
        #expect(try receiver.finish().isClean)
    }

    @Test("envelopes split into single-byte writes are reassembled, each released only when its last byte arrives")
    func roundTripByteByByte() throws {
        let envelopes = sampleEnvelopes()
        let wire = try encodeOnWire(envelopes)
        var frameEnds: [Int] = []
        var offset = 0
        for envelope in envelopes {
            offset += 4 + (try envelope.serializedBytes() as [UInt8]).count
            frameEnds.append(offset)
        }

        let receiver = try framedChannel()
        var received: [Baton_V1_Envelope] = []
        for (index, byte) in wire.readableBytesView.enumerated() {
            try receiver.writeInbound(ByteBuffer(bytes: [byte]))
            let now = try readEnvelopes(receiver)
            if frameEnds.contains(index + 1) {
                #expect(now.count == 1, "frame ending at byte \(index + 1) was not released")
            } else {
                #expect(now.isEmpty, "an envelope came out before its frame was complete (byte \(index + 1))")
            }
            received += now
        }
        #expect(received == envelopes)
        #expect(try receiver.finish().isClean)
    }

    @Test("a frame exactly at the configured maximum is accepted")
    func frameAtMaximumIsAccepted() throws {
        let envelope = sampleEnvelopes()[1]
        let body: [UInt8] = try envelope.serializedBytes()
        let receiver = try framedChannel(maximumFrameLength: body.count)
        try receiver.writeInbound(frame(body))
        #expect(try readEnvelopes(receiver) == [envelope])
    }

    @Test("a length prefix above the maximum fails as soon as the 4 prefix bytes arrive, with no body sent")
    func oversizedPrefixFailsBeforeBody() throws {
        let receiver = try framedChannel(maximumFrameLength: 64)
        var prefix = ByteBuffer()
        prefix.writeInteger(UInt32(65), endianness: .big)

        // Two prefix bytes are not enough to know the length: nothing happens yet.
        try receiver.writeInbound(prefix.getSlice(at: 0, length: 2)!)
        // The other two complete the prefix: the error surfaces now, without a single body byte.
        #expect(throws: WireError.frameTooLarge(length: 65, maximum: 64)) {
            try receiver.writeInbound(prefix.getSlice(at: 2, length: 2)!)
        }
        #expect(try readEnvelopes(receiver).isEmpty)

        // The decoder does not recover: a valid frame afterwards is never delivered.
        let valid: [UInt8] = try sampleEnvelopes()[2].serializedBytes()
        _ = try? receiver.writeInbound(frame(valid))
        #expect(try readEnvelopes(receiver).isEmpty)
        _ = try? receiver.finish()
    }

    @Test("a 0xFFFFFFFF length prefix is refused against the default maximum before any allocation")
    func hugePrefixIsRefused() throws {
        let receiver = try framedChannel()
        var prefix = ByteBuffer()
        prefix.writeInteger(UInt32.max, endianness: .big)
        let error = #expect(throws: WireError.self) { try receiver.writeInbound(prefix) }
        #expect(error == WireError.frameTooLarge(length: Int(UInt32.max), maximum: FrameDecoder.defaultMaximumFrameLength))
        #expect(error?.description.contains("exceeds the maximum") == true)
        #expect(try readEnvelopes(receiver).isEmpty)
        _ = try? receiver.finish()
    }

    @Test("a frame that is not a protobuf envelope raises a malformed-envelope error and closes the channel")
    func garbageFrameClosesChannel() throws {
        let receiver = try framedChannel()
        #expect(receiver.isActive)
        let error = #expect(throws: WireError.self) {
            try receiver.writeInbound(frame([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]))
        }
        #expect(error?.description.hasPrefix("malformed envelope") == true)
        #expect(try readEnvelopes(receiver).isEmpty)
        #expect(!receiver.isActive)
    }

    @Test("an envelope with no body raises an error and closes the channel")
    func envelopeWithoutBody() throws {
        let receiver = try framedChannel()
        #expect(receiver.isActive)
        let bodiless: [UInt8] = try Baton_V1_Envelope.with { $0.messageID = 42 }.serializedBytes()
        #expect(!bodiless.isEmpty)
        #expect(throws: WireError.emptyEnvelope) { try receiver.writeInbound(frame(bodiless)) }
        #expect(try readEnvelopes(receiver).isEmpty)
        #expect(!receiver.isActive)
    }

    @Test("an empty frame carries no message and is refused")
    func emptyFrame() throws {
        let receiver = try framedChannel()
        #expect(receiver.isActive)
        #expect(throws: WireError.emptyEnvelope) { try receiver.writeInbound(frame([])) }
        #expect(!receiver.isActive)
    }

    @Test("a connection that ends in the middle of a frame reports a truncated frame")
    func truncatedFrameAtClose() throws {
        let receiver = try framedChannel()
        let body: [UInt8] = try sampleEnvelopes()[0].serializedBytes()
        var partial = frame(body)
        partial.moveWriterIndex(to: partial.writerIndex - 3)
        try receiver.writeInbound(partial)
        #expect(try readEnvelopes(receiver).isEmpty)
        let error = #expect(throws: WireError.self) { _ = try receiver.finish() }
        #expect(error == WireError.truncatedFrame(bufferedBytes: 4 + body.count - 3))
    }
}
