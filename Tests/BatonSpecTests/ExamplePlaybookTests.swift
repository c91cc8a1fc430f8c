import BatonModel
import BatonSpec
import Foundation
import Testing

@Suite struct ExamplePlaybookTests {
    @Test func exampleLoadsWithoutAnyDiagnostic() throws {
        let playbook = try loadClean(examplePlaybook)
        #expect(playbook.name == "cache-tier-recovery")
        #expect(playbook.version == "1")
        #expect(playbook.owners == [.platform: "infra-oncall", .database: "dba-oncall", .application: "app-oncall"])
        #expect(playbook.steps.map(\.id) == ["drain-traffic", "verify-replica", "restart-cache", "restore-traffic"])
        #expect(playbook.parameters.map(\.name) == ["workdir"])
    }

    @Test func planWithGivenWorkdirPutsItInEnvAndProbePaths() throws {
        let plan = try Planner.plan(try loadClean(examplePlaybook), parameters: ["workdir": "/srv/x"]).get()
        #expect(plan.parameters == ["workdir": "/srv/x"])
        let drain = try #require(plan.step("drain-traffic"))
        #expect(drain.action?.env == ["WORKDIR": "/srv/x"])
        #expect(drain.action?.argv == ["sh", "-c", #"mkdir -p "$WORKDIR" && echo drained > "$WORKDIR/app.state""#])
        #expect(drain.post == [.file(FileProbe(path: "/srv/x/app.state", contains: "drained"))])
        let verify = try #require(plan.step("verify-replica"))
        #expect(verify.pre == [.file(FileProbe(path: "/srv/x/app.state", contains: "drained"))])
        #expect(verify.post == [.command(CommandProbe(argv: ["cat", "/srv/x/db.state"], stdoutContains: "in-sync"))])
        #expect(verify.timeoutMilliseconds == 30_000)
        #expect(verify.retries == 2)
        #expect(verify.tier == .database)
        #expect(verify.needs == ["drain-traffic"])
        #expect(drain.timeoutMilliseconds == Plan.defaultStepTimeoutMilliseconds)
        #expect(drain.retries == 0)
        #expect(drain.idempotent == false)
        #expect(plan.owners == ["platform": "infra-oncall", "database": "dba-oncall", "application": "app-oncall"])
    }

    @Test func defaultIsUsedWhenParameterNotGiven() throws {
        let plan = try Planner.plan(try loadClean(examplePlaybook), parameters: [:]).get()
        #expect(plan.parameters == ["workdir": "/tmp/baton-demo"])
        #expect(plan.step("restart-cache")?.action?.env["WORKDIR"] == "/tmp/baton-demo")
        #expect(plan.step("restart-cache")?.post == [.file(FileProbe(path: "/tmp/baton-demo/platform.state", contains: "restarted"))])
    }

    @Test func stepsComeInDependencyOrder() throws {
        let plan = try Planner.plan(try loadClean(examplePlaybook), parameters: [:]).get()
        #expect(plan.steps.map(\.id) == ["drain-traffic", "verify-replica", "restart-cache", "restore-traffic"])
    }

    @Test func hashIsStableAndFollowsParameters() throws {
        let playbook = try loadClean(examplePlaybook)
        let first = try Planner.plan(playbook, parameters: ["workdir": "/srv/x"]).get()
        let again = try Planner.plan(try loadClean(examplePlaybook), parameters: ["workdir": "/srv/x"]).get()
        let other = try Planner.plan(playbook, parameters: ["workdir": "/srv/y"]).get()
        #expect(first.hash.count == 64)
        #expect(first.hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(first.hash == again.hash)
        #expect(first.hash != other.hash)
        #expect(Planner.hash(of: first) == first.hash)
        var tampered = first
        tampered.steps[0].action?.argv = ["rm", "-rf", "/"]
        #expect(Planner.hash(of: tampered) != first.hash)
    }

    @Test func planTextListsStepsInOrderWithWaves() throws {
        let plan = try Planner.plan(try loadClean(examplePlaybook), parameters: ["workdir": "/srv/x"]).get()
        let text = PlanText.render(plan)
        #expect(text.contains(plan.hash))
        #expect(text.contains("workdir = /srv/x"))
        let positions = plan.steps.map { step in text.range(of: "  \(step.id) [")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(text.contains("wave 4:"))
        #expect(text.contains("  verify-replica [database]"))
        #expect(text.contains("needs: drain-traffic"))
        #expect(text.contains("timeout 30s, retries 2"))
        #expect(text.contains("post: command cat /srv/x/db.state exits 0, stdout contains 'in-sync'"))
    }
}
