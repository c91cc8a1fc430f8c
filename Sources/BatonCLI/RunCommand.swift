import ArgumentParser

/// `baton run`: start runs on the coordinator and follow them.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start playbook runs on the coordinator and follow them.",
        discussion: """
            These commands talk to batond over mutual TLS; see the connection options of each \
            subcommand (--coordinator, --ca/--cert/--key or --pki/--operator).

            Examples:
              baton run start cache.yaml --incident INC-42 --param workdir=/srv/demo --wait
              baton run start restore@3 --incident INC-42          (a published catalog version)
              baton run status r-000001-3f2a
              baton run watch r-000001-3f2a
              baton run complete-step r-000001-3f2a confirm-failover --evidence "DBA confirmed"
              baton run approve r-000001-3f2a restore-db --reason "backup verified"
              baton run override r-000001-3f2a restore-db --skip --reason "restored by hand"
              baton run rollback-plan r-000001-3f2a
              baton run abort r-000001-3f2a --reason "making it worse" [--rollback]
              baton run pause r-000001-3f2a / baton run resume r-000001-3f2a
              baton run retry r-000001-3f2a --step restart-web --failed-targets

            Exit status: 0 on success; 1 when the run failed (or was rolled back) or the coordinator refused the request; \
            2 when the coordinator cannot be reached or fails.
            """,
        subcommands: [
            RunStartCommand.self, RunListCommand.self, RunStatusCommand.self, RunWatchCommand.self,
            RunCompleteStepCommand.self, RunApproveCommand.self, RunDenyCommand.self, RunOverrideCommand.self,
            RunRollbackPlanCommand.self, RunAbortCommand.self, RunPauseCommand.self, RunResumeCommand.self,
            RunRetryCommand.self,
        ]
    )
}
