import BatonModel
import BatonSpec
import Foundation
import Testing

/// Module versions, `with:` checks, and mistakes inside module files. `steps:` is line 6.
@Suite struct ModuleResolutionTests {
    func uses(_ reference: String, with: String = "{host: db}") -> String {
        header + "steps:\n  - id: lag\n    uses: \(reference)\n    with: \(with)\n"
    }

    @Test func versionResolution() throws {
        let cases = [
            "1.0.0": "1.0.0", "1.2.0": "1.2.0", "1": "1.10.0", "1.2": "1.2.0", "1.10": "1.10.0", "2": "2.0.0",
        ]
        for (written, resolved) in cases {
            let playbook = try loadClean(uses("pg-replica-lag@\(written)"), modules: lagLibrary)
            #expect(playbook.modules == ["pg-replica-lag@\(resolved)"], "\(written)")
            #expect(playbook.steps.allSatisfy { $0.module == "pg-replica-lag@\(resolved)" })
        }
        #expect(lagLibrary.versions(of: "pg-replica-lag") == ["1.0.0", "1.2.0", "1.10.0", "2.0.0"])
    }

    @Test func unknownVersionListsTheAvailableOnes() throws {
        for written in ["3", "1.3", "1.0.1"] {
            let found = load(uses("pg-replica-lag@\(written)"), modules: lagLibrary).diagnostics
            #expect(found.map(\.code) == ["unknown-module-version"])
            #expect(found.first.map { ($0.line, $0.column) == (8, 11) } == true)
            #expect(found.first?.message.contains("available versions: 1.0.0, 1.2.0, 1.10.0, 2.0.0") == true)
        }
    }

    @Test func unknownModuleSuggestsTheClosest() throws {
        let found = load(uses("pg-replica-lga@1"), modules: lagLibrary).diagnostics
        #expect(found.map(\.code) == ["unknown-module"])
        #expect(found.first?.message.contains("did you mean 'pg-replica-lag'?") == true)
        #expect(load(uses("pg-replica-lag@1")).diagnostics.first?.message.contains("no modules are loaded") == true)
        for bad in ["pg-replica-lag", "pg-replica-lag@", "pg-replica-lag@v1", "pg-replica-lag@1.0.0.1", "'@1'"] {
            #expect(load(uses(bad), modules: lagLibrary).diagnostics.map(\.code) == ["bad-value"], "\(bad)")
        }
    }

    @Test func withMistakes() throws {
        let unknown = load(uses("pg-replica-lag@1", with: "{host: db, prot: 1}"), modules: lagLibrary).diagnostics
        #expect(unknown.map(\.code) == ["unknown-input"])
        #expect(unknown.first.map { ($0.line, $0.column) == (9, 22) } == true)
        #expect(unknown.first?.message.contains("did you mean 'port'?") == true)
        #expect(unknown.first?.message.contains("inputs: host, port, max_lag") == true)

        let missing = load(uses("pg-replica-lag@1", with: "{port: 1}"), modules: lagLibrary).diagnostics
        #expect(missing.map(\.code) == ["missing-input"])
        #expect(missing.first.map { ($0.line, $0.column) == (8, 11) } == true)
        #expect(missing.first?.message.contains("input 'host'") == true)

        let literal = load(uses("pg-replica-lag@1", with: "{host: db, port: abc}"), modules: lagLibrary).diagnostics
        #expect(literal.map(\.code) == ["type-mismatch"])
        #expect(literal.first.map { ($0.line, $0.column) == (9, 28) } == true)
        #expect(literal.first?.message.contains("must be an int, not 'abc'") == true)
    }

    @Test func outputsPassedAsInputsAreTypeChecked() throws {
        func source(_ with: String) -> String {
            header + """
                steps:
                  - id: probe
                    tier: database
                    outputs: {ok: {type: bool}, limit: {type: int}, host: {}}
                  - id: lag
                    uses: pg-replica-lag@1
                    needs: [probe]
                    with: \(with)
                """
        }
        _ = try loadClean(source("{host: \"${{ steps.probe.outputs.host }}\", max_lag: \"${{ steps.probe.outputs.limit }}\"}"), modules: lagLibrary)
        let mismatch = load(source("{host: db, max_lag: \"${{ steps.probe.outputs.ok }}\"}"), modules: lagLibrary).diagnostics
        #expect(mismatch.map(\.code) == ["type-mismatch"])
        #expect(mismatch.first?.message.contains("must be an int, but '${{ steps.probe.outputs.ok }}' is a bool") == true)
        // The module puts `port` in a tcp probe's port, which is fixed when the plan is made.
        let integer = load(source("{host: db, port: \"${{ steps.probe.outputs.limit }}\"}"), modules: lagLibrary).diagnostics
        #expect(integer.map(\.code) == ["output-not-allowed"])
        #expect(integer.first.map { ($0.line, $0.column) == (13, 28) } == true)
        #expect(integer.first?.message.contains("port of the tcp probe in pre of step 'reachable'") == true)
        let notNeeded = load(
            header + "steps:\n  - id: probe\n    tier: database\n    outputs: {host: {}}\n  - id: lag\n    uses: pg-replica-lag@1\n"
                + "    with: {host: \"${{ steps.probe.outputs.host }}\"}\n", modules: lagLibrary
        ).diagnostics
        #expect(notNeeded.map(\.code) == ["not-a-need"])
    }

    @Test func mistakesInsideAModulePointAtTheModuleFile() throws {
        let broken = lagModule().replacingOccurrences(of: "tier: platform", with: "tier: web")
            .replacingOccurrences(of: "${{ inputs.max_lag }}", with: "${{ params.max_lag }}")
        let modules = library([(file: "modules/lag.yaml", text: broken)])
        let found = load(uses("pg-replica-lag@1.0.0"), modules: modules).diagnostics
        #expect(found.map(\.code) == ["bad-module", "unsupported-expression", "unknown-tier"])
        #expect(found.map { "\($0.file):\($0.line):\($0.column)" } == [
            "playbook.yaml:8:11", "modules/lag.yaml:27:66", "modules/lag.yaml:30:11",
        ])
        #expect(found[0].message.contains("has errors (see modules/lag.yaml)"))
    }

    @Test func moduleFileLint() throws {
        let source = """
            apiVersion: baton/v1
            kind: Module
            metadata: {name: m, version: "1.0"}
            inputs:
              n: {type: int, default: "${{ inputs.x }}"}
            outputs:
              a: {value: "${{ steps.one.outputs.missing }}"}
              b: {type: string, value: "${{ steps.one.outputs.count }}"}
              c: {value: "prefix ${{ steps.one.outputs.count }}"}
            steps:
              - id: one
                tier: platform
                outputs: {count: {type: int}}
              - id: two
                uses: other@1
            """
        let (module, found) = ModuleLoader.load(source: source, file: "m.yaml")
        #expect(module == nil)
        #expect(found.map(\.code) == ["bad-value", "bad-parameter", "unknown-output", "type-mismatch", "bad-value", "uses-step"])
        #expect(found.map { [$0.line, $0.column] } == [[3, 30], [5, 27], [7, 14], [8, 13], [9, 14], [15, 5]])
        #expect(found[0].message.contains("MAJOR.MINOR.PATCH"))
        #expect(found[3].message.contains("declared a string, but output 'count' of 'one' is an int"))
        #expect(found[5].message.contains("modules cannot use other modules"))
    }

    @Test func moduleInputsAreCheckedInTemplates() throws {
        let source = """
            apiVersion: baton/v1
            kind: Module
            metadata: {name: m, version: 1.0.0}
            inputs: {port: {type: int}}
            steps:
              - id: one
                tier: platform
                run: [echo, "${{ inputs.prot }}"]
                rollback: none
              - id: two
                tier: platform
                when: "${{ inputs.port }} == high"
            """
        let found = ModuleLoader.load(source: source, file: "m.yaml").diagnostics
        #expect(found.map(\.code) == ["undefined-input", "type-mismatch"])
        #expect(found.first?.message.contains("did you mean 'port'?") == true)
        #expect(found.last?.message.contains("input 'port', an int, with 'high'") == true)
    }
}
