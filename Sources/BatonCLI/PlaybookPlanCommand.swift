import ArgumentParser
import BatonModel
import BatonPolicy
import BatonSpec
import Foundation

/// `baton playbook plan FILE`
struct PlaybookPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what a run of a playbook would do, with parameters bound.",
        discussion: """
            The playbook is linted, its parameters are bound (defaults applied, types checked) and every \
            `${{ params.NAME }}` is substituted. The plan lists the steps in waves: a wave only needs \
            steps of earlier waves. The plan hash is the same one the coordinator records for a run, \
            so a plan reviewed here can be matched against the run that executes it.

            Diagnostics are printed on stderr like `baton playbook lint` (exit status 1); with \
            `--format json` a failing plan prints the lint JSON report instead.

            Examples:
              baton playbook plan cache.yaml
              baton playbook plan cache.yaml --param workdir=/srv/demo --format json
              baton playbook plan restore.yaml --policy policies/

            With --policy, every policy file (*.yaml) in the directory is loaded and the plan is checked \
            against it statically: a `require_before` rule needs the required step among the step's \
            ancestors, `forbid_concurrent` tags must be ordered by needs, fan-outs must respect \
            `blast_radius`. Each violation names the rule and the missing evidence (exit status 1).
            """
    )

    @Argument(help: ArgumentHelp("The playbook file.", valueName: "file"))
    var file: String

    @OptionGroup var parameters: ParameterOptions

    @OptionGroup var modules: ModuleOptions

    @Option(help: "Output format: text, or json (the plan as JSON, sorted keys).")
    var format: OutputFormat = .text

    @OptionGroup var policy: PolicyOptions

    func run() throws {
        let (plan, _, _) = try PlaybookInput.plan(
            file, parameters: try parameters.values(), modules: modules, format: format)
        try checkPolicies(plan)
        switch format {
        case .text: Console.out(PlanText.render(plan), terminator: "")
        case .json: try Console.printJSON(plan)
        }
    }

    /// Violations (or broken policy files) end with exit 1.
    private func checkPolicies(_ plan: Plan) throws {
        let violations = try policy.check(plan)
        guard !violations.isEmpty else { return }
        PolicyOptions.print(violations, file: file)
        throw ExitCode(1)
    }
}
