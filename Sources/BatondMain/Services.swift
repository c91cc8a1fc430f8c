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

    /// On graceful shutdown the listener stops accepting and every agent session ends (agents
    /// reconnect to the next coordinator; nothing they hold is lost: it is in their journals).
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await listener.run()
            }
        } catch is CancellationError {
            // The graceful shutdown cancelled the listener: that is how it stops.
        }
        await listener.close()
    }
}
