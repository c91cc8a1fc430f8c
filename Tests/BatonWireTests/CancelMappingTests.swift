import BatonModel
import BatonProto
import BatonWire
import SwiftProtobuf
import Testing

@Suite("Cancel and the cancelled failure kind on the wire")
struct CancelMappingTests {
    @Test("a cancel survives the wire; one without run, step or attempt is refused, naming what is missing")
    func roundTrip() throws {
        let request = CancelRequest(key: AttemptKey(runID: "r-1", stepID: "restore", attempt: 3), reason: "run aborted by operator:bob: stop")
        let bytes: [UInt8] = try Baton_V1_Envelope.with { $0.cancel = Baton_V1_Cancel(request) }.serializedBytes()
        guard case .cancel(let decoded)? = try Baton_V1_Envelope(serializedBytes: bytes).body else {
            Issue.record("not a cancel")
            return
        }
        #expect(try decoded.model() == request)
        var broken = Baton_V1_Cancel(request)
        broken.attempt = 0
        #expect(throws: WireError.self) { try broken.model() }
        broken = Baton_V1_Cancel(request)
        broken.stepID = ""
        let error = #expect(throws: WireError.self) { try broken.model() }
        #expect("\(error!)".contains("cancel without run, step or attempt"))
    }

    @Test("a cancelled report keeps its failure kind across the wire")
    func cancelledKind() throws {
        let report = StepReport(
            runID: "r-1", stepID: "s", attempt: 1, outcome: .failed, reason: "cancelled", startedAt: Instant(millisecondsSinceEpoch: 1),
            finishedAt: Instant(millisecondsSinceEpoch: 2), failureKind: .cancelled)
        let bytes: [UInt8] = try Baton_V1_Report(report).serializedBytes()
        #expect(try Baton_V1_Report(serializedBytes: bytes).model().failureKind == .cancelled)
    }
}
