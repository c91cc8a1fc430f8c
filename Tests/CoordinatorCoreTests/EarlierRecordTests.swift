import BatonModel
import CoordinatorCore
import Foundation
import Testing

/// Journals written before step contracts existed still load: the fields added since take their defaults.
@Suite("Records from before step contracts")
struct EarlierRecordTests {
    /// The JSON of `value` with the keys added by step contracts removed, as an earlier coordinator wrote it.
    static func earlierJSON(_ value: some Encodable) throws -> Data {
        func strip(_ object: Any) -> Any {
            if var dictionary = object as? [String: Any] {
                if let retry = dictionary["retry"] as? [String: Any] {
                    dictionary["retries"] = retry["count"]
                }
                for key in ["retry", "tags", "outputs", "onFailure", "rollback", "rollbackSteps", "failureKind"] {
                    dictionary[key] = nil
                }
                return dictionary.mapValues(strip)
            }
            if let array = object as? [Any] { return array.map(strip) }
            return object
        }
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value))
        return try JSONSerialization.data(withJSONObject: strip(object))
    }

    @Test("a run-started record and a report written before step contracts decode with defaults")
    func earlierRecordsDecode() throws {
        let plan = makePlan([step("a", .database, retries: 2), step("b", .application, needs: ["a"])])
        let started = JournalRecord(runID: "r-1", at: at(1), event: .runStarted(incident: "INC-1", plan: plan, startedBy: "alice"))
        let earlierStart = try Self.earlierJSON(started)
        #expect(!String(decoding: earlierStart, as: UTF8.self).contains("rollback"))
        let decoded = try JSONDecoder().decode(JournalRecord.self, from: earlierStart)
        #expect(decoded == started)
        guard case .runStarted(_, let decodedPlan, _) = decoded.event else {
            Issue.record("not a run-started record")
            return
        }
        #expect(decodedPlan.steps[0].retries == 2)
        #expect(decodedPlan.steps[0].onFailure == .stop && decodedPlan.steps[0].rollback == .undeclared)

        let report = StepReport(runID: "r-1", stepID: "a", attempt: 1, outcome: .verified, startedAt: at(2), finishedAt: at(3))
        let reported = JournalRecord(runID: "r-1", at: at(3), event: .stepReported(step: "a", agent: Agents.database, report: report))
        #expect(try JSONDecoder().decode(JournalRecord.self, from: Self.earlierJSON(reported)) == reported)

        let assignment = Assignment(
            runID: "r-1", stepID: "a", attempt: 1, epoch: 1, pre: [], action: Action(argv: ["true"]), post: [],
            timeoutMilliseconds: 1_000)
        #expect(try JSONDecoder().decode(Assignment.self, from: Self.earlierJSON(assignment)) == assignment)
    }
}
