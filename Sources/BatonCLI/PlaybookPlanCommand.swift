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

    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp("A directory of policy files to check the plan against (repeatable).", valueName: "dir"))
    var policyDirectories: [String] = []

    func run() throws {
        let (plan, _, _) = try PlaybookInput.plan(
            file, parameters: try parameters.values(), modules: modules, format: format)
        try checkPolicies(plan)
        switch format {
        case .text: Console.out(PlanText.render(plan), terminator: "")
        case .json: try Console.printJSON(plan)
        }
    }

    /// Loads each --policy directory and checks the plan; violations (or broken policy files) end with exit 1.
    private func checkPolicies(_ plan: Plan) throws {
        var violations: [String] = []
        for directory in policyDirectories {
            let (policies, diagnostics) = PolicySet.load(directory: URL(fileURLWithPath: directory))
            guard let policies else {
                PlaybookInput.print(diagnostics, to: .err)
                Console.err("\(directory): the policies could not be loaded; nothing was checked")
                throw ExitCode(1)
            }
            violations += policies.check(plan: plan).map(\.description)
        }
        guard !violations.isEmpty else { return }
        for violation in violations {
            Console.err("\(PlaybookInput.displayName(file)): \(Console.styled("policy violation:", .red, on: .err)) \(violation)")
        }
        Console.err("\(PlaybookInput.displayName(file)): \(violations.count) policy violation\(violations.count == 1 ? "" : "s")")
        throw ExitCode(1)
    }
}
