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

        let interpolator = Interpolator(values: values, sink: sink)
        let steps = order.compactMap { playbook.step($0) }.map(interpolator.step)
        guard !sink.hasErrors else { return .failure(Diagnostics(sink.diagnostics.sortedByPosition())) }

        var plan = Plan(
            playbookName: playbook.name, playbookVersion: playbook.version,
            owners: Dictionary(uniqueKeysWithValues: playbook.owners.map { ($0.key.rawValue, $0.value) }),
            parameters: values, steps: steps, hash: "")
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
            if let text = given[parameter.name] {
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
}

/// Turns spec values into model values with parameters substituted.
private struct Interpolator {
    let values: [String: String]
    let sink: DiagnosticSink

    func step(_ spec: StepSpec) -> PlannedStep {
        PlannedStep(
            id: spec.id, tier: spec.tier, needs: spec.needs.map(\.id), pre: spec.pre.map(probe),
            action: spec.action.map(action), post: spec.post.map(probe), timeoutMilliseconds: spec.timeoutMilliseconds,
            retries: spec.retries, idempotent: spec.idempotent)
    }

    private func text(_ template: Template) -> String { template.render(values) }

    private func environment(_ entries: [EnvironmentEntry]) -> [String: String] {
        Dictionary(entries.map { ($0.name, text($0.value)) }, uniquingKeysWith: { _, last in last })
    }

    private func argv(_ templates: [Template]) -> [String] {
        let argv = templates.map(text)
        if let program = argv.first, program.isEmpty {
            sink.error("bad-value", "the program to run is empty after interpolation", at: templates[0].position)
        }
        return argv
    }

    private func action(_ spec: ActionSpec) -> Action {
        Action(argv: argv(spec.argv), env: environment(spec.env))
    }

    private func probe(_ spec: ProbeSpec) -> Probe {
        switch spec {
        case .command(let command):
            return .command(
                CommandProbe(
                    argv: argv(command.argv), env: environment(command.env),
                    exitCode: Int32(integer(command.exitCode, "exit_code", ProbeParser.exitCodes)),
                    stdoutContains: command.stdoutContains.map(text), stdoutMatches: command.stdoutMatches.map(regex),
                    timeoutMilliseconds: command.timeoutMilliseconds, stderrContains: command.stderrContains.map(text),
                    stdoutEquals: command.stdoutEquals.map(text), json: command.json.map(json), retry: command.retry))
        case .file(let file):
            return .file(
                FileProbe(
                    path: text(file.path), exists: file.exists, contains: file.contains.map(text), mode: file.mode,
                    owner: file.owner.map(text), maxAgeMilliseconds: file.maxAgeMilliseconds, retry: file.retry))
        case .tcp(let tcp):
            return .tcp(
                TCPProbe(
                    host: text(tcp.host), port: integer(tcp.port, "port", ProbeParser.ports), state: tcp.state,
                    timeoutMilliseconds: tcp.timeoutMilliseconds, retry: tcp.retry))
        case .http(let http):
            let url = text(http.url)
            if !http.url.isLiteral, let problem = ProbeParser.urlProblem(url) {
                sink.error("bad-value", "url \(problem) after interpolation", at: http.url.position)
            }
            return .http(
                HTTPProbe(
                    url: url, status: integer(http.status, "status", ProbeParser.statuses),
                    timeoutMilliseconds: http.timeoutMilliseconds, bodyContains: http.bodyContains.map(text),
                    json: http.json.map(json), retry: http.retry))
        case .process(let process):
            let target: ProcessProbe.Target
            switch process.target {
            case .name(let name): target = .name(text(name))
            case .pidfile(let path): target = .pidfile(text(path))
            }
            return .process(ProcessProbe(target: target, running: process.running, retry: process.retry))
        }
    }

    private func json(_ spec: JSONCheckSpec) -> JSONFieldCheck {
        JSONFieldCheck(path: spec.path, equals: text(spec.equals))
    }

    private func regex(_ template: Template) -> String {
        let pattern = text(template)
        if !template.isLiteral, let problem = ProbeParser.regexProblem(pattern) {
            sink.error(
                "bad-regex", "stdout_matches '\(pattern)' is not a valid regular expression after interpolation: \(problem)",
                at: template.position)
        }
        return pattern
    }

    /// The value of a numeric field, checked now that its interpolation is known.
    private func integer(_ spec: IntegerSpec, _ field: String, _ range: ClosedRange<Int>) -> Int {
        switch spec {
        case .literal(let value): return value
        case .template(let template):
            let rendered = text(template)
            guard let value = Int(rendered) else {
                sink.error(
                    "type-mismatch", "\(field) '\(template)' became '\(rendered)', which is not an integer",
                    at: template.position)
                return 0
            }
            guard range.contains(value) else {
                sink.error(
                    "bad-value",
                    "\(field) '\(template)' became \(value); it must be between \(range.lowerBound) and \(range.upperBound)",
                    at: template.position)
                return 0
            }
            return value
        }
    }
}
