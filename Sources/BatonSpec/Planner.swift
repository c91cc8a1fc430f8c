import BatonModel
import Foundation

/// Compiles a playbook for one run: binds parameters, interpolates, orders steps, fingerprints the result.
public enum Planner {
    /// Binds `parameters` (text, as from `--param k=v`; checked against each declared type, defaults
    /// applied; an undeclared name or a missing required parameter is an error), interpolates every
    /// `${{ params.NAME }}` and returns the steps in a topological order (ties: file order).
    public static func plan(_ playbook: Playbook, parameters: [String: String]) -> Result<Plan, Diagnostics> {
        let sink = DiagnosticSink(file: playbook.file)
        let values = bind(playbook, parameters, sink: sink)
        let needs = Dictionary(uniqueKeysWithValues: playbook.steps.map { ($0.id, $0.needs.map(\.id)) })
        guard let order = StepGraph.order(playbook.steps.map(\.id), needs: needs) else {
            // A loaded playbook has no cycle; a hand-edited one might.
            sink.error("cycle", "the steps' needs form a cycle", at: playbook.steps.first?.position ?? .start)
            return .failure(Diagnostics(sink.diagnostics.sortedByPosition()))
        }
        guard let values, !sink.hasErrors else { return .failure(Diagnostics(sink.diagnostics.sortedByPosition())) }
        check(playbook.valueChecks, values, sink: sink)
        guard !sink.hasErrors else { return .failure(Diagnostics(sink.diagnostics.sortedByPosition())) }

        // Steps from modules report problems in the module's file.
        var sinks: [DiagnosticSink] = [sink]
        func interpolator(for step: StepSpec) -> Interpolator {
            let file = step.file ?? playbook.file
            if let existing = sinks.first(where: { $0.file == file }) { return Interpolator(values: values, sink: existing) }
            sinks.append(DiagnosticSink(file: file))
            return Interpolator(values: values, sink: sinks[sinks.count - 1])
        }
        let specs = order.compactMap { playbook.step($0) }
        let steps = specs.map { interpolator(for: $0).step($0) }
        let rollbackSteps = specs.compactMap { interpolator(for: $0).rollbackStep($0) }
        let diagnostics = sinks.flatMap { $0.diagnostics.sortedByPosition() }
        guard !diagnostics.containsErrors else { return .failure(Diagnostics(diagnostics)) }

        var plan = Plan(
            playbookName: playbook.name, playbookVersion: playbook.version,
            owners: Dictionary(uniqueKeysWithValues: playbook.owners.map { ($0.key.rawValue, $0.value) }),
            parameters: values, steps: steps, hash: "")
        plan.rollbackSteps = rollbackSteps
        plan.hash = hash(of: plan)
        return .success(plan)
    }

    /// Lowercase hex SHA-256 of the plan's canonical JSON (`JSONEncoder`, `.sortedKeys`) with `hash` set to "".
    /// Anyone holding a plan can recompute this to check it was not altered.
    public static func hash(of plan: Plan) -> String {
        var unhashed = plan
        unhashed.hash = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain strings, integers and booleans cannot fail.
        let data = (try? encoder.encode(unhashed)) ?? Data()
        return SHA256Digest.hexDigest(data)
    }

    /// Every declared parameter's canonical value, or nil after reporting what is wrong.
    private static func bind(_ playbook: Playbook, _ given: [String: String], sink: DiagnosticSink) -> [String: String]? {
        let paramsPosition = playbook.parametersPosition ?? .start
        let declared = playbook.parameters.map(\.name)
        for name in given.keys.sorted() where playbook.parameter(name) == nil {
            let known = declared.isEmpty ? "the playbook declares no parameters" : "declared: \(declared.joined(separator: ", "))"
            sink.error(
                "unknown-parameter",
                "unknown parameter '\(name)'\(Suggestions.didYouMean(name, in: declared)) (\(known))", at: paramsPosition)
        }
        var values: [String: String] = [:]
        for parameter in playbook.parameters {
            if let text = given[parameter.name], text.contains("${{") {
                sink.error(
                    "bad-parameter",
                    "parameter '\(parameter.name)' was given '\(text)'; values cannot contain '${{'", at: parameter.position)
            } else if let text = given[parameter.name] {
                guard let value = parameter.type.canonicalValue(text) else {
                    sink.error(
                        "bad-parameter",
                        "parameter '\(parameter.name)' must be \(parameter.type.article), but was given '\(text)'",
                        at: parameter.position)
                    continue
                }
                values[parameter.name] = value
            } else if parameter.isRequired || parameter.defaultValue == nil {
                sink.error(
                    "missing-parameter",
                    "parameter '\(parameter.name)' is required; give it a value (--param \(parameter.name)=VALUE)",
                    at: parameter.position)
            } else {
                values[parameter.name] = parameter.defaultValue
            }
        }
        return sink.hasErrors ? nil : values
    }

    /// `with:` values made of parameters, checked against their input's type now that parameters are bound.
    private static func check(_ checks: [ValueCheck], _ values: [String: String], sink: DiagnosticSink) {
        for check in checks {
            let rendered = check.template.render(values)
            guard check.type.canonicalValue(rendered) == nil else { continue }
            sink.error(
                "type-mismatch", "\(check.what) must be \(check.type.article), but '\(check.template)' became '\(rendered)'",
                at: check.template.position)
        }
    }
}
