import BatonModel
import BatonSpec

/// Every rule of the loaded policy files. Pure: loading, checking plans and gating steps read no
/// clock, files or randomness.
public struct PolicySet: Hashable, Sendable {
    public var rules: [PolicyRule]

    public init(rules: [PolicyRule] = []) { self.rules = rules }

    /// Parses every source. Any error in any file (including a rule id used twice, in one file or
    /// across files) loads nothing: the set is nil and the diagnostics say why, each with file:line:col.
    public static func load(sources: [(file: String, text: String)]) -> (PolicySet?, [Diagnostic]) {
        var rules: [PolicyRule] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: PolicyRule] = [:]
        for source in sources {
            let reader = PolicyReader(file: source.file)
            if let root = reader.compose(source.text), let parsed = PolicyParser(reader: reader).parse(root) {
                for rule in parsed {
                    if let first = seen[rule.id] {
                        reader.error(
                            "duplicate-rule-id",
                            "rule id '\(rule.id)' is already used at \(first.file):\(first.line):\(first.column); "
                                + "rule ids must be unique across all policy files", at: rule.position)
                    } else {
                        seen[rule.id] = rule
                        rules.append(rule)
                    }
                }
            }
            diagnostics += reader.diagnostics.enumerated().sorted {
                $0.element.position != $1.element.position ? $0.element.position < $1.element.position : $0.offset < $1.offset
            }.map(\.element)
        }
        return (diagnostics.containsErrors ? nil : PolicySet(rules: rules), diagnostics)
    }

    public func rule(_ id: String) -> PolicyRule? { rules.first { $0.id == id } }

    // MARK: Static check

    /// What can be known from the plan alone: `require_before` (an ancestor through `needs`),
    /// `forbid_concurrent` (steps not ordered by `needs`) and `blast_radius` (the fan-out's `serial`).
    /// `freeze`, `max_concurrency` and `require_approval` depend on the moment and are left to `gate`.
    public func check(plan: Plan) -> [PolicyViolation] {
        let ancestors = Self.ancestors(plan.steps)
        var violations: [PolicyViolation] = []
        for rule in rules {
            switch rule.kind {
            case .requireBefore(let selector, let before, _):
                for step in plan.steps where selector.matches(step) {
                    let found = ancestors[step.id, default: []].contains { id in
                        plan.step(id).map(before.matches) ?? false
                    }
                    if !found {
                        violations.append(
                            rule.violation(
                                step.id, "step \(describeStep(step.id, tier: step.tier, tags: step.tags)) has no ancestor \(before)"))
                    }
                }
            case .forbidConcurrent(let tags):
                let tagged = plan.steps.filter { $0.tags.contains(where: tags.contains) }
                for (index, first) in tagged.enumerated() {
                    for second in tagged[(index + 1)...] where Self.conflict(first.tags, second.tags, forbidden: tags) {
                        let ordered =
                            ancestors[second.id, default: []].contains(first.id)
                            || ancestors[first.id, default: []].contains(second.id)
                        guard !ordered else { continue }
                        violations.append(
                            rule.violation(
                                second.id,
                                "steps \(describeStep(first.id, tier: first.tier, tags: first.tags)) and "
                                    + "\(describeStep(second.id, tier: second.tier, tags: second.tags)) are not ordered by needs "
                                    + "and could run at the same time"))
                    }
                }
            case .blastRadius(let selector, let bound):
                for step in plan.steps where selector.matches(step) {
                    if let missing = Self.blastExcess(step, bound: bound, hosts: nil) {
                        violations.append(rule.violation(step.id, missing))
                    }
                }
            case .freeze, .maxConcurrency, .requireApproval:
                continue
            }
        }
        return violations
    }

    /// Every step's ancestors through `needs`, transitively. Works in any order (and ignores cycles).
    static func ancestors(_ steps: [PlannedStep]) -> [StepID: Set<StepID>] {
        let needs = Dictionary(steps.map { ($0.id, $0.needs) }, uniquingKeysWith: { first, _ in first })
        var result: [StepID: Set<StepID>] = [:]
        for step in steps {
            var found = Set<StepID>()
            var stack = step.needs
            while let next = stack.popLast() {
                guard found.insert(next).inserted else { continue }
                if let known = result[next] { found.formUnion(known) } else { stack += needs[next] ?? [] }
            }
            result[step.id] = found
        }
        return result
    }

    /// Two steps conflict when each carries a forbidden tag and together they carry two different ones.
    static func conflict(_ first: [String], _ second: [String], forbidden: [String]) -> Bool {
        let a = Set(first).intersection(forbidden), b = Set(second).intersection(forbidden)
        return !a.isEmpty && !b.isEmpty && a.union(b).count >= 2
    }

    /// Why a fan-out step exceeds `bound`, or nil when it does not (or cannot be told: a count against a
    /// percentage with the number of hosts unknown). Steps without `targets` run on one host.
    static func blastExcess(_ step: PlannedStep, bound: HostAmount, hosts: Int?) -> String? {
        guard let targets = step.targets else { return nil }
        let name = describeStep(step.id, tier: step.tier, tags: step.tags)
        guard let serial = targets.serial else {
            return "fan-out step \(name) has no serial, so it runs on every host at once; at most \(bound) may run at once"
        }
        let over: Bool
        switch (serial, bound) {
        case (.count(let s), .count(let b)), (.percent(let s), .percent(let b)): over = s > b
        default:
            guard let hosts else { return nil }
            over = max(1, serial.hosts(of: hosts)) > max(1, bound.hosts(of: hosts))
        }
        let of = hosts.map { " of \($0) hosts" } ?? ""
        return over ? "fan-out step \(name) has serial \(serial), above the limit of \(bound)\(of)" : nil
    }
}

extension PolicyRule {
    func violation(_ step: StepID, _ missing: String) -> PolicyViolation {
        PolicyViolation(ruleID: id, step: step, message: message, missing: missing)
    }
}
