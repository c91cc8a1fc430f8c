import BatonModel
import BatonProto

extension Baton_V1_Cancel {
    public init(_ request: CancelRequest) {
        self.init()
        runID = request.key.runID.rawValue
        stepID = request.key.stepID.rawValue
        attempt = UInt32(clamping: request.key.attempt)
        reason = String(request.reason.prefix(CancelRequest.maximumReasonLength))
    }

    /// Validated: a cancel names a run, a step and an attempt (from 1), with a reason of bounded length.
    public func model() throws -> CancelRequest {
        guard !runID.isEmpty, !stepID.isEmpty, attempt > 0 else {
            throw WireError.malformedField("cancel without run, step or attempt")
        }
        guard reason.utf8.count <= CancelRequest.maximumReasonLength * 4 else {
            throw WireError.malformedField("cancel reason of \(reason.utf8.count) bytes (at most \(CancelRequest.maximumReasonLength * 4))")
        }
        let key = AttemptKey(runID: RunID(runID), stepID: StepID(stepID), attempt: Int(attempt))
        return CancelRequest(key: key, reason: reason)
    }
}
