import ArgumentParser
import BatonAPI

/// `baton catalog`: the coordinator's versioned playbook catalog.
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Push, publish, deprecate, retire and inspect versioned playbooks on the coordinator.",
        discussion: """
            A catalog version is NAME@VERSION from the playbook's metadata, stored with the modules it \
            uses and a content hash; it never changes once pushed. Lifecycle: draft (pushed by an \
            author) → published (by a publisher other than the author) → deprecated (runs start with a \
            warning naming the replacement) → retired (new runs refused, pointing to the replacement). \
            Roles: push needs author; publish, deprecate and retire need publisher; list, show and diff \
            need any role. Runs start from the catalog with `baton run start NAME@VERSION`.

            Examples:
              baton catalog push cache.yaml --module-path deploy/modules
              baton catalog publish cache-tier-recovery@2
              baton catalog list
              baton catalog show cache-tier-recovery@2
              baton catalog diff cache-tier-recovery@1 cache-tier-recovery@2
              baton catalog deprecate cache-tier-recovery@1 \\
                  --replacement cache-tier-recovery@2 --reason "uses the old drain"
              baton catalog retire cache-tier-recovery@1 \\
                  --replacement cache-tier-recovery@2
              baton run start cache-tier-recovery@2 --incident INC-42 --wait
            """,
        subcommands: [
            CatalogPushCommand.self, CatalogPublishCommand.self, CatalogDeprecateCommand.self, CatalogRetireCommand.self,
            CatalogListCommand.self, CatalogShowCommand.self, CatalogDiffCommand.self,
        ]
    )
}

/// A `NAME@VERSION` argument.
struct CatalogReference: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var name: String
    var version: String

    init?(argument: String) {
        guard let at = argument.lastIndex(of: "@") else { return nil }
        name = String(argument[..<at])
        version = String(argument[argument.index(after: at)...])
        let allowed = { (c: Character) in c.isLetter || c.isNumber || "-_.".contains(c) }
        guard !name.isEmpty, !version.isEmpty, name.allSatisfy(allowed), version.allSatisfy(allowed) else { return nil }
    }

    var description: String { "\(name)@\(version)" }

    /// `/v1/catalog/NAME/VERSION`.
    var path: String { "/v1/catalog/\(CoordinatorClient.segment(name))/\(CoordinatorClient.segment(version))" }
}

extension CoordinatorClient {
    /// One catalog version with its text and modules.
    func catalogVersion(_ reference: CatalogReference) async throws -> CatalogVersionView {
        try await get(reference.path)
    }
}
