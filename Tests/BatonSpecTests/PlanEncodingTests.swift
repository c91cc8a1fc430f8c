import BatonModel
import Foundation
import Testing

/// A plan's JSON, and so its hash, must not depend on a set's per-process iteration order.
@Suite struct PlanEncodingTests {
    @Test func retryKindsEncodeInDeclarationOrder() throws {
        let policy = RetryPolicy(count: 1, on: [.output, .timeout, .action, .postcondition])
        let json = String(decoding: try JSONEncoder().encode(policy), as: UTF8.self)
        #expect(json.contains(#""on":["action","timeout","postcondition","output"]"#), "\(json)")
        #expect(try JSONDecoder().decode(RetryPolicy.self, from: Data(json.utf8)) == policy)
    }
}
