import BatonModel
import BatonProto
import BatonWire
import SwiftProtobuf
import Testing

private let outputs: [OutputSpec] = [
    OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes")),
    OutputSpec(name: "leader", type: .string, source: .stdout(key: "cluster.leader")),
    OutputSpec(name: "healthy", type: .bool, source: .probe(phase: .post, index: 1)),
    OutputSpec(name: "version", type: .string, source: .probe(phase: .pre, index: 0)),
]

private func assignment(outputs: [OutputSpec] = outputs) -> Assignment {
    Assignment(
        runID: "r-7", stepID: "measure-lag", attempt: 2, epoch: 9,
        pre: [.command(CommandProbe(argv: ["app", "--version"]))], action: Action(argv: ["lag-report", "--json"]),
        post: [.tcp(TCPProbe(port: 5432)), .http(HTTPProbe(url: "https://db.internal/ready", caFile: "/etc/ca.pem"))],
        timeoutMilliseconds: 30_000, outputs: outputs)
}

private func report(
    _ outcome: Outcome, outputs: [String: String] = [:], failureKind: FailureKind? = nil
) -> StepReport {
    StepReport(
        runID: "r-7", stepID: "measure-lag", attempt: 2, outcome: outcome,
        reason: outcome == .verified ? "" : "output lag_bytes must be an int, got 'abc'", exitCode: 0,
        startedAt: Instant(millisecondsSinceEpoch: 10), finishedAt: Instant(millisecondsSinceEpoch: 20), outputs: outputs,
        failureKind: failureKind)
}

/// The `reason` of the `WireError` that decoding `body` throws, or nil when it decodes.
private func malformation(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch let error as WireError {
        return error.description
    } catch {
        return "unexpected \(error)"
    }
}

@Suite("Outputs, failure kinds and https CA files on the wire")
struct OutputMappingTests {
    @Test("declared outputs (stdout keys and probe references) round-trip exactly")
    func assignmentOutputsRoundTrip() throws {
        let original = assignment()
        let back = try throughTheWire(original)
        #expect(back == original)
        #expect(back.outputs == outputs)
        let wire = Baton_V1_Assignment(original)
        #expect(wire.outputs[0].stdoutKey == "lag_bytes" && wire.outputs[0].type == .int)
        #expect(wire.outputs[2].probe.phase == .post && wire.outputs[2].probe.index == 1)
    }

    @Test("an https probe keeps its CA file; without one the field stays absent")
    func caFileRoundTrip() throws {
        let withCA = Probe.http(HTTPProbe(url: "https://db.internal/ready", caFile: "/etc/ca.pem"))
        #expect(Baton_V1_Probe(withCA).http.caFile == "/etc/ca.pem")
        let bytes: [UInt8] = try Baton_V1_Probe(withCA).serializedBytes()
        #expect(try Baton_V1_Probe(serializedBytes: bytes).model() == withCA)
        let withoutCA = Probe.http(HTTPProbe(url: "https://db.internal/ready"))
        #expect(!Baton_V1_Probe(withoutCA).http.hasCaFile)
        #expect(try Baton_V1_Probe(withoutCA).model() == withoutCA)
    }

    @Test("an empty ca_file is rejected")
    func emptyCAFileRejected() {
        let wire = Baton_V1_Probe.with { $0.http = .with { $0.url = "https://x/"; $0.status = 200; $0.caFile = "" } }
        #expect(malformation { _ = try wire.model() } == "malformed field: http probe has an empty ca_file")
    }

    @Test("a verified report's outputs round-trip")
    func reportOutputsRoundTrip() throws {
        let verified = report(.verified, outputs: ["lag_bytes": "1024", "leader": "db-2", "healthy": "true"])
        #expect(try throughTheWire(verified) == verified)
    }

    @Test("every failure kind round-trips; none stays none", arguments: [nil] + FailureKind.allCases.map(Optional.some))
    func failureKindRoundTrip(kind: FailureKind?) throws {
        let failed = report(.failed, failureKind: kind)
        let back = try throughTheWire(failed)
        #expect(back == failed)
        #expect(back.failureKind == kind)
    }

    @Test("an assignment from an older coordinator (no outputs) decodes with none")
    func olderAssignmentHasNoOutputs() throws {
        var wire = Baton_V1_Assignment(assignment())
        wire.outputs = []
        #expect(try wire.model().outputs.isEmpty)
    }

    @Test("malformed outputs are rejected with a message naming the output")
    func malformedOutputsRejected() {
        func decoding(_ change: (inout Baton_V1_OutputSpec) -> Void) -> String? {
            var wire = Baton_V1_Assignment(assignment())
            change(&wire.outputs[0])
            return malformation { _ = try wire.model() }
        }
        #expect(decoding { $0.name = "" } == "malformed field: an output has an empty name")
        #expect(decoding { $0.type = .unspecified } == "malformed field: output lag_bytes has no type")
        #expect(decoding { $0.type = .UNRECOGNIZED(7) } == "malformed field: output lag_bytes has unknown type 7")
        #expect(decoding { $0.source = nil } == "malformed field: output lag_bytes has no source (stdout key or probe)")
        #expect(decoding { $0.stdoutKey = "" } == "malformed field: output lag_bytes reads an empty stdout key")
        #expect(
            decoding { $0.probe = .with { $0.index = 0 } } == "malformed field: output lag_bytes refers to a probe without a phase")
        #expect(
            decoding { $0.probe = .with { $0.phase = .post; $0.index = 2 } }
                == "malformed field: output lag_bytes refers to post probe 2, but the assignment has 2 post probe(s)")
        #expect(
            decoding { $0.probe = .with { $0.phase = .pre; $0.index = 1 } }
                == "malformed field: output lag_bytes refers to pre probe 1, but the assignment has 1 pre probe(s)")
        #expect(decoding { $0.name = "leader" } == "malformed field: output leader is declared twice")
    }

    @Test("outputs and failure kinds that contradict the outcome are rejected")
    func contradictionsRejected() {
        var failedWithOutputs = Baton_V1_Report(report(.failed, failureKind: .output))
        failedWithOutputs.outputs = ["lag_bytes": "1"]
        #expect(
            malformation { _ = try failedWithOutputs.model() }
                == "malformed field: report is failed but carries outputs (only verified reports do)")

        var verifiedWithKind = Baton_V1_Report(report(.verified))
        verifiedWithKind.failureKind = .action
        #expect(
            malformation { _ = try verifiedWithKind.model() } == "malformed field: report is verified but carries failure kind action")

        var unknownKind = Baton_V1_Report(report(.failed))
        unknownKind.failureKind = .UNRECOGNIZED(42)
        #expect(malformation { _ = try unknownKind.model() } == "malformed field: report failure kind 42 is unknown to this side")

        var emptyName = Baton_V1_Report(report(.verified))
        emptyName.outputs = ["": "x"]
        #expect(malformation { _ = try emptyName.model() } == "malformed field: report output with an empty name")
    }

    @Test("a failed report from an older agent (no failure kind) is accepted without one")
    func olderFailedReport() throws {
        var wire = Baton_V1_Report(report(.failed, failureKind: .action))
        wire.failureKind = .unspecified
        #expect(try wire.model().failureKind == nil)
    }
}
