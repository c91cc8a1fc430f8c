import BatonSpec

/// The playbook from the format's documentation; it must load and plan without any diagnostic.
let examplePlaybook = """
    apiVersion: baton/v1
    kind: Playbook
    metadata:
      name: cache-tier-recovery
      version: 1
      owners: {platform: infra-oncall, database: dba-oncall, application: app-oncall}
    params:
      workdir: {type: string, default: /tmp/baton-demo}
    steps:
      - id: drain-traffic
        tier: application
        run: [sh, -c, 'mkdir -p "$WORKDIR" && echo drained > "$WORKDIR/app.state"']
        env: {WORKDIR: "${{ params.workdir }}"}
        rollback: none
        post:
          - file: {path: "${{ params.workdir }}/app.state", contains: drained}
      - id: verify-replica
        tier: database
        needs: [drain-traffic]
        pre:
          - file: {path: "${{ params.workdir }}/app.state", contains: drained}
        run: [sh, -c, 'echo in-sync > "$WORKDIR/db.state"']
        env: {WORKDIR: "${{ params.workdir }}"}
        rollback: none
        post:
          - command: {run: [cat, "${{ params.workdir }}/db.state"], stdout_contains: in-sync}
        timeout: 30s
        retries: 2
      - id: restart-cache
        tier: platform
        needs: [verify-replica]
        run: [sh, -c, 'echo restarted > "$WORKDIR/platform.state"']
        env: {WORKDIR: "${{ params.workdir }}"}
        rollback: none
        post:
          - file: {path: "${{ params.workdir }}/platform.state", contains: restarted}
      - id: restore-traffic
        tier: application
        needs: [restart-cache]
        run: [sh, -c, 'echo serving > "$WORKDIR/app.state"']
        env: {WORKDIR: "${{ params.workdir }}"}
        rollback: none
        post:
          - file: {path: "${{ params.workdir }}/app.state", contains: serving}
    """

/// Lines 1–5 of a small playbook; a test appends `steps:` (line 6 onwards) or other keys.
let header = """
    apiVersion: baton/v1
    kind: Playbook
    metadata:
      name: demo
      version: 1

    """

func load(_ source: String) -> (playbook: Playbook?, diagnostics: [Diagnostic]) {
    PlaybookLoader.load(source: source, file: "playbook.yaml")
}

/// Loads a playbook that must have no diagnostic at all.
func loadClean(_ source: String) throws -> Playbook {
    let (playbook, diagnostics) = load(source)
    guard diagnostics.isEmpty, let playbook else {
        throw Diagnostics(diagnostics)
    }
    return playbook
}

/// The errors with `code` reported for `source`.
func errors(_ source: String, code: String) -> [Diagnostic] {
    load(source).diagnostics.filter { $0.severity == .error && $0.code == code }
}
