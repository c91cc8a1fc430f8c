import CoordinatorRuntime
import ServiceLifecycle

/// Runs the coordinator's event loop; on graceful shutdown it stops taking events, finishes
/// the ones queued (their journal records are written), and returns.
struct CoordinatorService: Service {
    let coordinator: Coordinator

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await coordinator.run()
        } onGracefulShutdown: {
            Task { await coordinator.stop() }
        }
    }
}

/// Serves agent connections until graceful shutdown.
struct AgentListenerService: Service {
    let listener: AgentListener

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await listener.run()
        } onGracefulShutdown: {
            Task { await listener.close() }
        }
    }
}
