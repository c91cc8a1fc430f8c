import BatonModel
import BatonPolicy
import BatonSpec
import Testing

/// The example policy of the design, one rule of each kind. Rule `restore-needs-compat` is on line 6.
let examplePolicy = """
    apiVersion: baton/v1
    kind: Policy
    metadata: {name: database-safety}
    rules:
      - id: restore-needs-compat
        kind: require_before
        message: "a database restore needs the application's compatibility verified first"
        step: {tags: [database.restore]}
        before: {tags: [application.compat-verified]}
        within: 2h
      - id: two-approvers-for-promote
        kind: require_approval
        message: promoting a replica needs two approvers
        step: {tags: [database.promote]}
        approval: {roles: [approver], quorum: 2, timeout: 15m, on_timeout: deny}
      - id: one-db-change-at-a-time
        kind: max_concurrency
        message: one database change at a time
        step: {tier: database}
        limit: 1
      - id: no-restore-during-deploy
        kind: forbid_concurrent
        message: never restore while deploying
        tags: [database.restore, application.deploy]
      - id: quarter-end-freeze
        kind: freeze
        message: no schema changes over the year end
        step: {tags: [database.schema]}
        windows: [{from: "2026-12-28T00:00:00Z", to: "2027-01-04T00:00:00Z"}]
      - id: limit-web-restarts
        kind: blast_radius
        message: restart at most a quarter of the web tier at once
        step: {tier: application}
        max: "25%"

    """

/// A policy file with the given rules (YAML list items, indented by two spaces); rules start on line 5.
func policy(_ rules: String) -> String {
    "apiVersion: baton/v1\nkind: Policy\nmetadata: {name: test}\nrules:\n" + rules
}

func loadClean(_ text: String, file: String = "policy.yaml") throws -> PolicySet {
    let (set, diagnostics) = PolicySet.load(sources: [(file, text)])
    #expect(diagnostics.isEmpty, "\(diagnostics)")
    return try #require(set)
}

/// The diagnostics of a source that must not load.
func failures(_ sources: [(file: String, text: String)]) -> [Diagnostic] {
    let (set, diagnostics) = PolicySet.load(sources: sources)
    #expect(set == nil)
    #expect(!diagnostics.isEmpty)
    return diagnostics
}

func failures(_ text: String) -> [Diagnostic] { failures([("policy.yaml", text)]) }

func step(
    _ id: StepID, _ tier: Tier = .database, needs: [StepID] = [], tags: [String] = [], targets: Targets? = nil
) -> PlannedStep {
    var step = PlannedStep(id: id, tier: tier, needs: needs)
    step.tags = tags
    step.targets = targets
    return step
}

func plan(_ steps: [PlannedStep]) -> Plan {
    Plan(playbookName: "p", playbookVersion: "1", parameters: [:], steps: steps, hash: "")
}

let hour: Int64 = 3_600_000

func at(_ milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: milliseconds) }
