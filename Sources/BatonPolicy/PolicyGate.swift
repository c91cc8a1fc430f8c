import BatonModel
import BatonSpec

extension PolicySet: StepGate {
    /// Decides whether `step` may start now. Denials come first (all of them), then approvals still
    /// needed, then concurrency limits; a rule with an override for the step is skipped.
    public func gate(step: PlannedStep, context: GateContext) -> GateDecision {
        var violations: [PolicyViolation] = []
        var approvals: [ApprovalRequirement] = []
        var waits: [String] = []
        let name = describeStep(step.id, tier: step.tier, tags: step.tags)
        let others = context.inFlight.filter { !($0.run == context.run && $0.id == step.id) }
        for rule in rules where !context.hasOverride(rule.id, step.id) {
            switch rule.kind {
            case .requireBefore(let selector, let before, let within):
                guard selector.matches(step) else { continue }
                let evidence = context.verified
                    .filter { $0.id != step.id && before.matches(id: $0.id, tier: $0.tier, tags: $0.tags) }
                    .max { $0.verifiedAt < $1.verifiedAt }
                guard let evidence else {
                    violations.append(rule.violation(step.id, "step \(name): no step \(before) has been verified in this run"))
                    continue
                }
                let age = context.now.millisecondsSinceEpoch - evidence.verifiedAt.millisecondsSinceEpoch
                if let within, age > within {
                    violations.append(
                        rule.violation(
                            step.id,
                            "step \(name): the latest step \(before) (\(evidence.id)) was verified "
                                + "\(PlaybookDuration.format(milliseconds: age)) ago, longer ago than "
                                + "\(PlaybookDuration.format(milliseconds: within))"))
                }
            case .requireApproval(let selector, let approval):
                if selector.matches(step), !context.approvedRules.contains(rule.id) { approvals.append(approval) }
            case .maxConcurrency(let selector, let limit):
                guard selector.matches(step) else { continue }
                let running = others.filter { selector.matches(id: $0.id, tier: $0.tier, tags: $0.tags) }
                if running.count >= limit {
                    let list = running.map { "\($0.id) (run \($0.run))" }.joined(separator: ", ")
                    waits.append(
                        "rule \(rule.id): \(running.count) step(s) \(selector) in flight, limit \(limit): \(list)")
                }
            case .forbidConcurrent(let tags):
                guard step.tags.contains(where: tags.contains) else { continue }
                // Waits rather than denies: the conflict ends when the other step finishes.
                for other in others where Self.conflict(step.tags, other.tags, forbidden: tags) {
                    waits.append(
                        "rule \(rule.id): step \(name) may not run while "
                            + "\(describeStep(other.id, tier: other.tier, tags: other.tags)) of run \(other.run) is in flight")
                }
            case .freeze(let selector, let windows):
                guard selector.matches(step), let window = windows.first(where: { $0.contains(context.now) }) else {
                    continue
                }
                violations.append(
                    rule.violation(step.id, "step \(name) is inside the freeze window \(window.text) and has no override"))
            case .blastRadius(let selector, let bound):
                if selector.matches(step), let excess = Self.blastExcess(step, bound: bound, hosts: context.targetHosts) {
                    violations.append(rule.violation(step.id, excess))
                }
            }
        }
        if !violations.isEmpty { return .deny(violations) }
        if !approvals.isEmpty { return .needsApproval(approvals) }
        if !waits.isEmpty { return .wait(waits.joined(separator: "; ")) }
        return .allow
    }
}
