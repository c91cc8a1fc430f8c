import BatonAPI
import BatonModel
import BatonPolicy
import BatonSpec
import BatonWire
import CoordinatorRuntime
import CoordinatorStore
import Foundation
import Hummingbird
import Logging

/// The playbook catalog: immutable, content-hashed versions with a publish/deprecate/retire lifecycle.
extension OperatorHandlers {
    /// `POST /v1/catalog`: lint the playbook (and plan it with its defaults) and store it as a draft.
    func pushCatalogVersion(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let author = try context.requireOperator()
        let body = try await RequestInput.decodeJSON(CatalogPushRequest.self, from: request, limit: maxBodySize)
        let fileName = body.fileName.isEmpty ? "playbook.yaml" : body.fileName
        let sources = body.modules.map { ModuleSource(file: $0.file, text: $0.text) }
        let (playbook, diagnostics, library) = try Self.load(source: body.playbook, fileName: fileName, modules: sources)
        try Self.checkPlansWithDefaults(playbook, diagnostics: diagnostics)
        try checkPolicies(playbook)
        let used = library.restricted(to: playbook.modules).sources
        let pushed = CatalogVersion(
            name: playbook.name, version: playbook.version, fileName: fileName, playbookText: body.playbook,
            modules: used.map { CatalogModule(file: $0.file, text: $0.text) },
            contentHash: ContentHash.of(playbook: body.playbook, modules: used), author: author.name,
            pushedAt: WallClock.now())
        let outcome = try await Self.catalogErrors { try await store.push(pushed) }
        let warnings = diagnostics.filter { !$0.isError }.map(\.description)
        switch outcome {
        case .stored(let stored):
            context.logger.info(
                "catalog version pushed", metadata: ["version": .string(stored.reference), "hash": .string(stored.contentHash)])
            let response = CatalogPushResponse(
                version: CatalogVersionView(stored), created: true,
                message: "pushed \(stored.reference) (\(stored.contentHash)) as a draft; another operator with the "
                    + "publisher role must publish it", warnings: warnings)
            return JSONResponse.make(response, status: .created)
        case .unchanged(let existing):
            let response = CatalogPushResponse(
                version: CatalogVersionView(existing), created: false,
                message: "\(existing.reference) is already in the catalog with this content (\(existing.contentHash), "
                    + "\(existing.state)); nothing changed", warnings: warnings)
            return JSONResponse.make(response)
        }
    }

    /// `GET /v1/catalog`: every version's current state, by name then version.
    func listCatalog() async throws -> Response {
        let versions = try await store.catalogVersions()
        return JSONResponse.make(CatalogList(versions: versions.map { CatalogVersionView($0) }))
    }

    /// `GET /v1/catalog/{name}/{version}`: one version with its playbook text and modules.
    func showCatalogVersion(context: OperatorRequestContext) async throws -> Response {
        let (name, version) = try Self.catalogPath(context)
        guard let stored = try await store.catalogVersion(name: name, version: version) else {
            throw APIError.notFound(CatalogError.notFound("\(name)@\(version)").message)
        }
        return JSONResponse.make(CatalogVersionView(stored, withContent: true))
    }

    /// `POST /v1/catalog/{name}/{version}/publish|deprecate|retire`.
    func changeCatalogVersion(
        _ route: OperatorRoute, _ request: Request, context: OperatorRequestContext
    ) async throws -> Response {
        let identity = try context.requireOperator()
        let (name, version) = try Self.catalogPath(context)
        let transition: CatalogTransition
        if route == .catalogPublish {
            transition = .publish(by: identity.name)
        } else {
            let body = try await RequestInput.decodeJSON(CatalogTransitionRequest.self, from: request, limit: maxBodySize)
            let replacement = body.replacement.trimmingCharacters(in: .whitespaces)
            guard CatalogRules.parse(replacement) != nil else {
                throw APIError.badRequest("replacement must be NAME@VERSION of a catalog version; got '\(replacement)'")
            }
            let reason = body.reason.flatMap { $0.isEmpty ? nil : $0 }
            transition =
                route == .catalogRetire
                ? .retire(by: identity.name, replacement: replacement, reason: reason)
                : .deprecate(by: identity.name, replacement: replacement, reason: reason)
        }
        let updated = try await Self.catalogErrors {
            try await store.transition(name: name, version: version, transition, at: WallClock.now())
        }
        context.logger.info(
            "catalog version \(updated.state)", metadata: ["version": .string(updated.reference), "by": .string(identity.name)])
        return JSONResponse.make(CatalogVersionView(updated))
    }

    /// The plan of catalog version `reference` for a new run, and a warning when it is deprecated.
    /// Drafts and retired versions are refused (409).
    func catalogPlan(_ reference: String, parameters: [String: String]) async throws -> (plan: Plan, warning: String?) {
        guard case let (name, version)? = CatalogRules.parse(reference) else {
            throw APIError.badRequest("catalog must be NAME@VERSION, e.g. cache-tier-recovery@1; got '\(reference)'")
        }
        guard let stored = try await store.catalogVersion(name: name, version: version) else {
            throw APIError.notFound(CatalogError.notFound(reference).message + "; `baton catalog list` shows what is")
        }
        let pointer = stored.replacement.map { "; use \($0)" } ?? ""
        let because = stored.reason.map { " (\($0))" } ?? ""
        let warning: String?
        switch stored.state {
        case .draft:
            throw APIError(
                .conflict,
                "\(stored.reference) is not published (a draft pushed by \(stored.author)); a publisher other than the "
                    + "author must publish it: baton catalog publish \(stored.reference)")
        case .retired:
            throw APIError(.conflict, "\(stored.reference) is retired\(pointer)\(because)")
        case .deprecated:
            warning = "\(stored.reference) is deprecated\(pointer)\(because)"
        case .published:
            warning = nil
        }
        let modules = stored.modules.map { ModuleSource(file: $0.file, text: $0.text) }
        let plan = try Self.plan(
            source: stored.playbookText, fileName: stored.fileName, parameters: parameters, modules: modules)
        return (plan, warning)
    }

    /// Loads a playbook with `modules`; library or load errors become a 400 listing every diagnostic.
    static func load(
        source: String, fileName: String, modules: [ModuleSource]
    ) throws(APIError) -> (playbook: Playbook, diagnostics: [Diagnostic], library: ModuleLibrary) {
        let (library, libraryDiagnostics) = ModuleLibrary.make(modules)
        guard !libraryDiagnostics.containsErrors else { throw invalidPlaybook(libraryDiagnostics) }
        let (playbook, loadDiagnostics) = PlaybookLoader.load(source: source, file: fileName, modules: library)
        guard let playbook, !loadDiagnostics.containsErrors else { throw invalidPlaybook(loadDiagnostics) }
        return (playbook, loadDiagnostics, library)
    }

    /// Plans `playbook` with no parameters given: only a required parameter being missing is acceptable
    /// (the run supplies it); any other planning error is a 400.
    private static func checkPlansWithDefaults(_ playbook: Playbook, diagnostics: [Diagnostic]) throws(APIError) {
        guard case .failure(let planDiagnostics) = Planner.plan(playbook, parameters: [:]) else { return }
        let errors = planDiagnostics.all.filter { $0.isError && $0.code != "missing-parameter" }
        guard errors.isEmpty else { throw invalidPlaybook(diagnostics + errors) }
    }

    /// A version whose plan (with its defaults) breaks batond's policies could never start: refused
    /// at push (422), naming each rule. Playbooks that need parameters are checked when a run starts.
    private func checkPolicies(_ playbook: Playbook) throws(APIError) {
        guard case .success(let plan) = Planner.plan(playbook, parameters: [:]) else { return }
        let violations = coordinator.policies.check(plan: plan)
        guard !violations.isEmpty else { return }
        throw APIError(
            .unprocessableContent,
            "\(playbook.name)@\(playbook.version) breaks \(violations.count) policy rule(s) of this coordinator; nothing was stored",
            diagnostics: violations.map(\.description))
    }

    private static func catalogPath(_ context: OperatorRequestContext) throws(APIError) -> (name: String, version: String) {
        guard let name = context.parameters.get("name"), !name.isEmpty,
            let version = context.parameters.get("version"), !version.isEmpty
        else { throw APIError.badRequest("the catalog name and version are missing from the path") }
        return (name, version)
    }

    /// Runs `body`, answering a broken catalog rule with its status: 404, 409, 403 or 400.
    private static func catalogErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CatalogError {
            switch error.status {
            case .notFound: throw APIError.notFound(error.message)
            case .conflict: throw APIError(.conflict, error.message)
            case .forbidden: throw APIError(.forbidden, error.message)
            case .invalid: throw APIError.badRequest(error.message)
            }
        }
    }
}

extension CatalogVersionView {
    init(_ stored: CatalogVersion, withContent: Bool = false) {
        self.init(
            name: stored.name, version: stored.version, state: stored.state.rawValue, contentHash: stored.contentHash,
            fileName: stored.fileName, author: stored.author, pushedAt: stored.pushedAt.millisecondsSinceEpoch)
        publisher = stored.publisher
        publishedAt = stored.publishedAt?.millisecondsSinceEpoch
        deprecatedBy = stored.deprecatedBy
        deprecatedAt = stored.deprecatedAt?.millisecondsSinceEpoch
        retiredBy = stored.retiredBy
        retiredAt = stored.retiredAt?.millisecondsSinceEpoch
        replacement = stored.replacement
        reason = stored.reason
        if withContent {
            text = stored.playbookText
            modules = stored.modules.map { ModuleFile(file: $0.file, text: $0.text) }
        }
    }
}
