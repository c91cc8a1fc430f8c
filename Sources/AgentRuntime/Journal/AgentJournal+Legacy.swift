import AgentCore
import Foundation

extension AgentJournal {
    /// Decodes a line written by an agent older than step outputs: its assignments and reports have
    /// no `outputs` field, which the current model requires. Nil when the line is not such an entry
    /// (a torn line stays unreadable).
    static func decodeLegacy(_ line: Data, with decoder: JSONDecoder) -> AgentJournalEntry? {
        guard var entry = (try? JSONSerialization.jsonObject(with: line)) as? [String: Any] else { return nil }
        let defaults: [String: Any] = ["accepted": [Any](), "completed": [String: Any]()]
        var changed = false
        for (kind, empty) in defaults {
            guard var wrapper = entry[kind] as? [String: Any], var payload = wrapper["_0"] as? [String: Any],
                payload["outputs"] == nil
            else { continue }
            payload["outputs"] = empty
            wrapper["_0"] = payload
            entry[kind] = wrapper
            changed = true
        }
        guard changed, let upgraded = try? JSONSerialization.data(withJSONObject: entry) else { return nil }
        return try? decoder.decode(AgentJournalEntry.self, from: upgraded)
    }
}
