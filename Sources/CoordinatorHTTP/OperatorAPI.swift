import BatonModel
import BatonAPI
import CoordinatorRuntime
import CoordinatorStore
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ServiceLifecycle

/// The HTTPS operator API, as a `Service`.
///
/// Run it in batond's `ServiceGroup` (graceful shutdown stops it) or on its own with `runService()`.
/// Every connection is TLS 1.3 with a client certificate verified against the Baton CA; every request
/// is attributed to the operator named by that certificate.
public struct OperatorAPI: Service {
    private let application: Application<RouterResponder<OperatorRequestContext>>

    /// - Parameter onServerRunning: called once the listener is bound, with the bound port
    ///   (the chosen one when `configuration.port` is 0).
    /// - Parameter store: where catalog versions and bearer tokens are kept (batond passes its SQLite store).
    public init(
        coordinator: Coordinator, store: any OperatorStore, configuration: OperatorAPIConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        application = try makeOperatorApplication(
            coordinator: coordinator, store: store, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
    }

    public func run() async throws {
        try await application.run()
    }

    /// Runs until SIGTERM or SIGINT, for use outside a `ServiceGroup`.
    public func runService() async throws {
        try await application.runService()
    }
}

/// The operator API as a Hummingbird application (what `OperatorAPI` runs).
public func makeOperatorAPI(
    coordinator: Coordinator, store: any OperatorStore, configuration: OperatorAPIConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    try makeOperatorApplication(
        coordinator: coordinator, store: store, configuration: configuration, logger: logger, onServerRunning: onServerRunning)
}

func makeOperatorApplication(
    coordinator: Coordinator, store: any OperatorStore, configuration: OperatorAPIConfiguration, logger: Logger,
    onServerRunning: @escaping @Sendable (Int) async -> Void
) throws -> Application<RouterResponder<OperatorRequestContext>> {
    let router = makeOperatorRouter(
        coordinator: coordinator, store: store, allowPlaybookUpload: configuration.allowPlaybookUpload,
        maxBodySize: configuration.maxBodySize, roleBindings: configuration.roleBindings)
    let port = configuration.port
    return Application(
        router: router,
        server: try .tls(.http1(), tlsConfiguration: configuration.tls),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "batond"),
        onServerRunning: { channel in
            let bound = channel.localAddress?.port ?? port
            logger.info("operator API listening on \(configuration.host):\(bound)")
            await onServerRunning(bound)
        },
        logger: logger
    )
}

/// The router with every route of `OperatorAPI.routes`, behind the error and identity middleware.
public func makeOperatorRouter(
    coordinator: Coordinator, store: any OperatorStore, allowPlaybookUpload: Bool,
    maxBodySize: Int = OperatorAPIConfiguration.defaultMaxBodySize, roleBindings: [String: Set<OperatorRole>] = [:]
) -> Router<OperatorRequestContext> {
    let router = Router(context: OperatorRequestContext.self)
    // Middleware applies to routes added after it, and to "not found": errors outermost, then identity, then audit.
    router.add(middleware: ErrorResponseMiddleware(maxBodySize: maxBodySize))
    router.add(middleware: OperatorIdentityMiddleware(bindings: roleBindings, tokens: store))
    router.add(
        middleware: AuditMiddleware(coordinator: coordinator, errors: ErrorResponseMiddleware(maxBodySize: maxBodySize)))
    let handlers = OperatorHandlers(
        coordinator: coordinator, store: store, allowPlaybookUpload: allowPlaybookUpload, maxBodySize: maxBodySize)
    for route in OperatorAPI.routes {
        router.on(RouterPath(route.path), method: route.method) { request, context in
            try await handlers.respond(route, to: request, context: context)
        }
    }
    return router
}

/// What the operator API keeps beside the coordinator's journal: catalog versions and bearer tokens.
public typealias OperatorStore = CatalogStore & TokenStore
