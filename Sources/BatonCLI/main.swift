import ArgumentParser

/// `baton`: the operator's command line for Baton.
struct BatonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Baton: run cross-tier incident playbooks with verified, gated steps.",
        discussion: """
            Playbooks are YAML files whose steps run on platform, database and application agents. \
            Every step is checked before and after it runs; a step only counts when its postconditions \
            are verified. The coordinator (batond) schedules the steps; this tool checks playbooks \
            locally, starts and follows runs, and lists agents. Everything remote goes over mutual TLS \
            with certificates from `baton pki`.

            Getting started:
              baton pki ca create --dir ./baton-pki
              baton pki cert create --operator alice --role responder
              baton playbook lint cache.yaml
              baton playbook plan cache.yaml --param workdir=/tmp/demo
              baton run start cache.yaml --incident INC-42 --wait \\
                  --pki ./baton-pki --operator alice
              baton catalog push cache.yaml && baton run start cache-tier-recovery@1 --incident INC-42

            Remote commands read BATON_COORDINATOR, BATON_CA, BATON_CERT and BATON_KEY when the \
            corresponding flag is not given.
            """,
        subcommands: [
            PKICommand.self, PlaybookCommand.self, CatalogCommand.self, RunCommand.self, AgentsCommand.self, AuditCommand.self,
            TokenCommand.self,
            APICommand.self,
        ]
    )
}

/// Top-level code would pick the synchronous `ParsableCommand.main()`; from an async function the
/// asynchronous entry point, which runs async subcommands, is chosen.
func runBaton() async {
    await BatonCommand.main()
}

await runBaton()
