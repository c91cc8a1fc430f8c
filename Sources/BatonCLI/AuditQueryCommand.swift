import ArgumentParser
import BatonAPI
import Foundation

/// `baton audit query`
struct AuditQueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "List audit records, oldest first: what touched an incident, a run or a host, and who asked.",
        discussion: """
            Every given filter must match. Text output is one line per record: sequence, time (UTC), \
            actor, action, outcome, where (incident, run/step#attempt, @agent) and detail. JSON output \
            is the coordinator's AuditPage, hashes included.

            Examples:
              # What touched host db-1 during incident INC-42?
              baton audit query --incident INC-42 --agent db-1
              # Everything refused in one run:
              baton audit query --run run-20250101-101500-0a1b2c3d --format json \\
                  | jq '.records[] | select(.outcome == "refused")'
              # The next page after record 1000:
              baton audit query --after 1000 --limit 500
            """
    )

    @Option(help: "Only records of this incident.")
    var incident: String?

    @Option(help: ArgumentHelp("Only records involving this agent (its name, e.g. db-1).", valueName: "name"))
    var agent: String?

    @Option(name: .customLong("run"), help: ArgumentHelp("Only records of this run.", valueName: "id"))
    var runID: String?

    @Option(
        help: ArgumentHelp(
            "Only records by this actor (an operator's SPIFFE URI, agent:<tier>/<name>, coordinator).", valueName: "actor"))
    var actor: String?

    @Option(help: ArgumentHelp("Only records with a sequence above this.", valueName: "sequence"))
    var after: Int64 = 0

    @Option(help: "The most records to print (1 to 10000).")
    var limit: Int = 1000

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000") }
        guard after >= 0 else { throw ValidationError("--after must not be negative") }
        let filters = [("--incident", incident), ("--agent", agent), ("--run", runID), ("--actor", actor)]
        for (name, value) in filters where value?.isEmpty == true {
            throw ValidationError("\(name) must not be empty")
        }
    }

    func run() async throws {
        var parameters = [("after", String(after)), ("limit", String(limit))]
        for case (let name, let value?) in [("incident", incident), ("agent", agent), ("run", runID), ("actor", actor)] {
            parameters.append((name, value))
        }
        let query = parameters.map { "\($0.0)=\(CoordinatorClient.segment($0.1))" }.joined(separator: "&")
        let page: AuditPage = try await CoordinatorClient.with(connection) { client in try await client.get("/v1/audit?\(query)") }
        switch format {
        case .json:
            try Console.printJSON(page)
        case .text:
            guard !page.records.isEmpty else { return Console.out("no audit records") }
            var table = TextTable(["SEQ", "TIME (UTC)", "ACTOR", "ACTION", "OUTCOME", "WHERE", "DETAIL"])
            table.style = { column, cell in column == 4 && cell == "refused" ? .red : nil }
            for record in page.records {
                table.add([
                    String(record.sequence), TimeText.utc(record.at), record.actor, record.action, record.outcome,
                    Self.place(record), record.detail,
                ])
            }
            table.render().forEach { Console.out($0) }
        }
    }

    /// `INC-42 run-…/promote#2 @db-1`, leaving out what the record does not have.
    static func place(_ record: AuditRecordView) -> String {
        var parts: [String] = []
        if let incident = record.incident { parts.append(incident) }
        if let runID = record.runID {
            let step = record.stepID.map { "/\($0)" } ?? ""
            let attempt = record.attempt.map { "#\($0)" } ?? ""
            parts.append(runID + step + attempt)
        }
        if let agent = record.agent { parts.append("@" + agent) }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }
}

extension TimeText {
    /// `2025-01-01T10:15:00.123Z`.
    static func utc(_ milliseconds: Int64) -> String {
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000 + 1000) % 1000)
    }
}
