import ArgumentParser
import BatonSpec

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
            """
    )

    @Argument(help: ArgumentHelp("The playbook file.", valueName: "file"))
    var file: String

    @OptionGroup var parameters: ParameterOptions

    @OptionGroup var modules: ModuleOptions

    @Option(help: "Output format: text, or json (the plan as JSON, sorted keys).")
    var format: OutputFormat = .text

    func run() throws {
        let (plan, _, _) = try PlaybookInput.plan(
            file, parameters: try parameters.values(), modules: modules, format: format)
        switch format {
        case .text: Console.out(PlanText.render(plan), terminator: "")
        case .json: try Console.printJSON(plan)
        }
    }
}
