import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOHTTP1

/// `baton api METHOD PATH [--data JSON]`: one raw request to the operator API, with your certificate.
struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Send one request to the coordinator's HTTPS API and print the answer (for scripts).",
        discussion: """
            The body of the answer goes to standard output as it came; the status line goes to standard \
            error with --include. The exit status is 0 for 2xx, 1 for 4xx and 2 for 5xx or no answer.

            Examples:
              baton api GET /v1/runs
              baton api POST /v1/runs/RUN/steps/STEP/approve --data '{"reason":"ok","planHash":"…","parameters":{}}'
              baton api GET /v1/health --include
            """
    )

    @Argument(help: ArgumentHelp("GET, POST, PUT, PATCH or DELETE.", valueName: "method"))
    var method: String

    @Argument(help: ArgumentHelp("The path, starting with /v1/ (a query string is allowed).", valueName: "path"))
    var path: String

    @Option(help: ArgumentHelp("The JSON body to send ('-' reads standard input).", valueName: "json"))
    var data: String?

    @Flag(help: "Print the status line (HTTP 200 OK) on standard error.")
    var include = false

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    var httpMethod: HTTPMethod? {
        ["GET": .GET, "POST": .POST, "PUT": .PUT, "PATCH": .PATCH, "DELETE": .DELETE][method.uppercased()]
    }

    func validate() throws {
        guard httpMethod != nil else { throw ValidationError("unknown method '\(method)'; use GET, POST, PUT, PATCH or DELETE") }
        guard path.hasPrefix("/") else { throw ValidationError("the path must start with /, e.g. /v1/runs") }
    }

    func run() async throws {
        var body: Data?
        if let data { body = data == "-" ? FileHandle.standardInput.readDataToEndOfFile() : Data(data.utf8) }
        let (status, answer) = try await CoordinatorClient.with(connection) { client in
            try await client.raw(httpMethod!, path, body: body)
        }
        if include { Console.err("HTTP \(status.code) \(status.reasonPhrase)") }
        FileHandle.standardOutput.write(answer)
        if answer.last != UInt8(ascii: "\n"), !answer.isEmpty { FileHandle.standardOutput.write(Data("\n".utf8)) }
        switch status.code {
        case 200..<300: return
        case 400..<500: throw ExitCode(1)
        default: throw ExitCode(2)
        }
    }
}
