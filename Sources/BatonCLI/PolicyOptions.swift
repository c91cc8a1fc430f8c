import ArgumentParser
import BatonModel
import BatonPolicy
import Foundation

/// `--policy DIR` (repeatable) for lint and plan: the same policy files batond loads.
struct PolicyOptions: ParsableArguments {
    @Option(
        name: .customLong("policy"),
        help: ArgumentHelp("A directory of policy files to check the plan against (repeatable).", valueName: "dir"))
    var directories: [String] = []

    /// The policies of every directory as one set (nil without --policy); a broken policy file ends
    /// with exit 1 and nothing checked.
    func load() throws -> PolicySet? {
        guard !directories.isEmpty else { return nil }
        let (policies, diagnostics) = PolicySet.load(directories: directories.map { URL(fileURLWithPath: $0) })
        guard let policies else {
            PlaybookInput.print(diagnostics, to: .err)
            Console.err("\(directories.joined(separator: ", ")): the policies could not be loaded; nothing was checked")
            throw ExitCode(1)
        }
        return policies
    }

    /// What the plan breaks, rule by rule.
    func check(_ plan: Plan) throws -> [PolicyViolation] {
        try load()?.check(plan: plan) ?? []
    }

    static func print(_ violations: [PolicyViolation], file: String) {
        for violation in violations {
            Console.err("\(PlaybookInput.displayName(file)): \(Console.styled("policy violation:", .red, on: .err)) \(violation)")
        }
        Console.err("\(PlaybookInput.displayName(file)): \(violations.count) policy violation\(violations.count == 1 ? "" : "s")")
    }
}
