import BatonModel

/// Extracts a step's declared outputs once its action and postconditions succeeded.
enum OutputExtraction {
    /// The most an output value may hold: reports must stay well under the wire's frame limit.
    static let maximumValueBytes = 64 * 1024

    enum Extracted: Equatable {
        /// Every output, by name, in its type's canonical text.
        case values([String: String])
        /// Why the first output that could not be extracted fails the attempt.
        case failed(String)
    }

    /// `result` is nil when the step has no action; `evidence` holds the pre and post evidence.
    static func extract(_ specs: [OutputSpec], result: ActionResult?, evidence: [Evidence]) -> Extracted {
        var values: [String: String] = [:]
        var stdout: StdoutValues?
        for spec in specs {
            let raw: String
            switch spec.source {
            case .stdout(let key):
                guard let result else {
                    return .failed("output \(spec.name): the step has no action, so no stdout to read key \(key) from")
                }
                let parsed = stdout ?? StdoutValues(result.stdout, truncated: result.stdoutTruncated)
                stdout = parsed
                guard let value = parsed.values[key] else {
                    var reason = "output \(spec.name): stdout has no key \(key)"
                    if result.stdout.isEmpty {
                        reason += " (stdout was empty)"
                    } else if result.stdoutTruncated {
                        reason += " (only the last \(result.stdout.utf8.count) bytes of stdout were read)"
                    }
                    return .failed(reason)
                }
                raw = value
            case .probe(let phase, let index):
                let observed = evidence.filter { $0.phase == phase }
                guard observed.indices.contains(index) else {
                    return .failed(
                        "output \(spec.name): there is no \(phase.rawValue) probe \(index) (the step has \(observed.count))")
                }
                raw = observed[index].observed
            }
            guard let value = spec.type.canonicalValue(raw) else {
                return .failed("output \(spec.name) must be \(article(spec.type)) \(spec.type.rawValue), got '\(shown(raw))'")
            }
            guard value.utf8.count <= maximumValueBytes else {
                return .failed(
                    "output \(spec.name) is \(value.utf8.count) bytes long, more than the \(maximumValueBytes) an output may hold")
            }
            values[spec.name] = value
        }
        return .values(values)
    }

    private static func article(_ type: ValueType) -> String {
        type == .int ? "an" : "a"
    }

    /// A value as quoted in a reason: on one line, cut after 80 characters.
    static func shown(_ value: String) -> String {
        var text = ""
        for character in value.prefix(80) {
            switch character {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\r\n": text += "\\r\\n"
            default: text.append(character)
            }
        }
        return value.count > 80 ? text + "…" : text
    }
}
