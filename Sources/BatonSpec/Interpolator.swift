import BatonModel

/// Turns spec values into model values with parameters substituted; step output references stay as
/// their canonical placeholders.
struct Interpolator {
    let values: [String: String]
    let sink: DiagnosticSink

    func step(_ spec: StepSpec) -> PlannedStep {
        var step = PlannedStep(
            id: spec.id, tier: spec.tier, needs: spec.needs.map(\.id), pre: spec.pre.map(probe),
            action: spec.action.map(action), post: spec.post.map(probe), timeoutMilliseconds: spec.timeoutMilliseconds,
            idempotent: spec.idempotent)
        step.retry = spec.retry
        step.tags = spec.tags
        step.outputs = spec.outputs
        step.when = spec.when.map { Condition(left: text($0.left), comparison: $0.comparison, right: text($0.right)) }
        step.onFailure = spec.onFailure ?? .stop
        step.targets = spec.targets
        step.manualInstructions = spec.manualInstructions.map(text)
        step.rollback = spec.rollback.declaration
        step.module = spec.module
        step.approval = spec.approval
        return step
    }

    /// The compensating step of `spec` (`StepID.rollback(of:)`), when it declared one.
    func rollbackStep(_ spec: StepSpec) -> PlannedStep? {
        guard case .step(let rollback) = spec.rollback else { return nil }
        var step = PlannedStep(
            id: StepID.rollback(of: spec.id), tier: rollback.tier, pre: rollback.pre.map(probe),
            action: action(rollback.action), post: rollback.post.map(probe),
            timeoutMilliseconds: rollback.timeoutMilliseconds)
        step.tags = spec.tags
        step.rollback = .none
        step.module = spec.module
        return step
    }

    /// The template with parameters substituted. A parameter value can never make a step output
    /// placeholder: the placeholders in the result must be exactly those written in the playbook.
    private func text(_ template: Template) -> String {
        let rendered = template.render(values)
        if !template.parameterNames.isEmpty, OutputReference.references(in: rendered) != template.outputReferences {
            sink.error(
                "bad-parameter",
                "'\(template)' became '\(rendered)', which reads step outputs the playbook does not; parameter values cannot make ${{ }} placeholders",
                at: template.position)
        }
        return rendered
    }

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
            if !http.url.isLiteral, !url.hasPrefix("${{ steps."), let problem = ProbeParser.urlProblem(url) {
                sink.error("bad-value", "url \(problem) after interpolation", at: http.url.position)
            }
            if let caFile = http.caFile, url.hasPrefix("http://") {
                sink.error(
                    "bad-value", "ca_file only applies to https:// URLs, but the url became '\(url)'", at: caFile.position)
            }
            return .http(
                HTTPProbe(
                    url: url, status: integer(http.status, "status", ProbeParser.statuses),
                    timeoutMilliseconds: http.timeoutMilliseconds, bodyContains: http.bodyContains.map(text),
                    json: http.json.map(json), retry: http.retry, caFile: http.caFile.map(text)))
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
        if !template.isLiteral, template.outputReferences.isEmpty, let problem = ProbeParser.regexProblem(pattern) {
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
