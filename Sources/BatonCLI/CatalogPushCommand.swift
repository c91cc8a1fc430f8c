import ArgumentParser
import BatonAPI
import BatonSpec
import Foundation

/// `baton catalog push FILE`
struct CatalogPushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push a playbook version (with the modules it uses) to the catalog as a draft.",
        discussion: """
            NAME@VERSION is the playbook's metadata.name and metadata.version. The playbook is linted \
            locally first (modules are found like `baton run start` finds them); the coordinator lints \
            it again and stores it with a content hash. Pushing the same content again changes nothing; \
            pushing different content under an existing version is refused: bump metadata.version. \
            Needs the author role. A publisher other than you must then publish it.

            Examples:
              baton catalog push cache.yaml
              baton catalog push pg-failover.yaml --module-path deploy/modules --format json
            """
    )

    @Argument(help: ArgumentHelp("The playbook file.", valueName: "file"))
    var file: String

    @OptionGroup var modules: ModuleOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Connection Options") var connection: ConnectionOptions

    func run() async throws {
        let source: String
        switch PlaybookInput.read(file) {
        case .success(let text): source = text
        case .failure(let diagnostic):
            throw PlaybookInput.report([diagnostic], file: PlaybookInput.displayName(file), format: format)
        }
        let (playbook, diagnostics, used) = PlaybookInput.load(source, path: file, modules: modules)
        guard playbook != nil else { throw PlaybookInput.report(diagnostics, file: PlaybookInput.displayName(file), format: format) }
        PlaybookInput.print(diagnostics, to: .err)
        let searchPath = modules.searchPath(besides: file)
        let request = CatalogPushRequest(
            playbook: source, fileName: file == "-" ? "playbook.yaml" : URL(fileURLWithPath: file).lastPathComponent,
            modules: used.map { ModuleFile(file: Self.relative($0.file, to: searchPath), text: $0.text) })
        let response: CatalogPushResponse = try await CoordinatorClient.with(connection) { client in
            try await client.post("/v1/catalog", request)
        }
        switch format {
        case .json: try Console.printJSON(response)
        case .text: Console.out(response.message)
        }
    }

    /// `path` relative to the module directory it was found in (the deepest that contains it), so the
    /// stored module names, and so the content hash, do not depend on where the author's checkout is.
    static func relative(_ path: String, to directories: [String]) -> String {
        let containing = directories.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            .filter { path.hasPrefix($0 + "/") }
            .max { $0.count < $1.count }
        guard let containing else { return URL(fileURLWithPath: path).lastPathComponent }
        return String(path.dropFirst(containing.count + 1))
    }
}
