import BatonSpec

/// A module measuring replica lag; `version` changes only its metadata.
func lagModule(version: String = "1.0.0") -> String {
    """
    apiVersion: baton/v1
    kind: Module
    metadata: {name: pg-replica-lag, version: \(version), description: Replica lag}
    inputs:
      host: {type: string, description: the replica}
      port: {type: int, default: 5432}
      max_lag: {type: int, default: 1000}
    outputs:
      lag: {type: int, value: "${{ steps.measure.outputs.lag_bytes }}", description: bytes behind}
    steps:
      - id: reachable
        tier: database
        pre:
          - tcp: {host: "${{ inputs.host }}", port: "${{ inputs.port }}"}
      - id: measure
        tier: database
        needs: [reachable]
        run: [pg-lag, --host, "${{ inputs.host }}", --port, "${{ inputs.port }}"]
        rollback: none
        outputs:
          lag_bytes: {type: int}
      - id: verify
        tier: database
        needs: [measure]
        when: "${{ steps.measure.outputs.lag_bytes }} != 0"
        on_failure: pause
        run: [pg-wait-lag, "${{ steps.measure.outputs.lag_bytes }}", "${{ inputs.max_lag }}"]
        rollback: none
      - id: notify
        tier: platform
        needs: [reachable]
        post:
          - file: {path: "/tmp/${{ inputs.host }}.lag"}
    """
}

func library(_ sources: [(file: String, text: String)]) -> ModuleLibrary {
    let (library, diagnostics) = ModuleLibrary.make(sources.map { ModuleSource(file: $0.file, text: $0.text) })
    precondition(diagnostics.isEmpty, "\(diagnostics)")
    return library
}

/// pg-replica-lag in versions 1.0.0, 1.2.0, 1.10.0 and 2.0.0.
let lagLibrary = library(
    ["1.0.0", "1.2.0", "1.10.0", "2.0.0"].map { (file: "modules/pg-replica-lag-\($0).yaml", text: lagModule(version: $0)) })

func load(_ source: String, modules: ModuleLibrary) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
    PlaybookLoader.load(source: source, file: "playbook.yaml", modules: modules)
}

/// A playbook using modules that must load without any diagnostic.
func loadClean(_ source: String, modules: ModuleLibrary) throws -> Playbook {
    let (playbook, diagnostics) = load(source, modules: modules)
    guard diagnostics.isEmpty, let playbook else { throw Diagnostics(diagnostics) }
    return playbook
}
