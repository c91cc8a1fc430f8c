import ArgumentParser
import BatonAPI

/// `baton agents list`
struct AgentsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List agents: tier, connection, version, steps in flight, last seen.",
        discussion: """
            Agents are identified by their certificate (spiffe://<domain>/agent/<tier>/<name>). An agent \
            that disconnected stays listed as not connected, with the time it was last seen.

            Examples:
              baton agents list
              baton agents list --format json | jq '.agents[] | select(.connected | not) | .name'
            """
    )

    @Option(help: "Output format: text or json (the coordinator's AgentList).")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let list: AgentList = try await CoordinatorClient.with(connection) { client in try await client.get("/v1/agents") }
        switch format {
        case .json: try Console.printJSON(list)
        case .text:
            guard !list.agents.isEmpty else {
                Console.out("no agents have connected yet")
                return
            }
            let now = TimeText.nowMilliseconds()
            var table = TextTable(["NAME", "TIER", "CONNECTED", "ADDRESS", "VERSION", "IN-FLIGHT", "LAST SEEN"])
            table.style = { column, text in column == 2 ? (text == "yes" ? .green : .red) : nil }
            for agent in list.agents {
                let seconds = max(0, now - agent.lastSeenAt) / 1000
                table.add([
                    agent.name, agent.tier, agent.connected ? "yes" : "no", agent.address, agent.agentVersion,
                    "\(agent.stepsInFlight)", "\(seconds)s ago",
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }
}
