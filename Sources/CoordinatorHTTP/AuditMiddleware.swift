import BatonAPI
import BatonIdentity
import BatonModel
import CoordinatorRuntime
import CoordinatorStore
import Foundation
import Hummingbird
import Logging

/// Records every command (any request but a read) of an identified operator in the audit log, and every
/// refused request, reads included: who, which route, the run and step named in the path (and the
/// run's incident), and whether it was accepted (2xx/3xx) or refused, with the status and error
/// message. Refusals by authorization (403) and bad input (400) are recorded like any other answer.
/// Accepted reads are not: `baton run watch` polls, and a log of polls would bury the commands. Sits inside `OperatorIdentityMiddleware`: a connection without an operator
/// certificate is refused before it and is only logged.
struct AuditMiddleware: RouterMiddleware {
    typealias Context = OperatorRequestContext

    let coordinator: Coordinator
    /// Maps a thrown error to the status and message the client will see.
    let errors: ErrorResponseMiddleware

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let refusal = errors.map(error, request: request)
            await record(request, context: context, status: refusal.status, error: refusal.body.error, createdRun: nil)
            throw error
        }
        let created = response.headers[.location].flatMap(Self.runID(fromLocation:))
        await record(request, context: context, status: response.status, error: nil, createdRun: created)
        return response
    }

    private func record(
        _ request: Request, context: Context, status: HTTPResponse.Status, error: String?, createdRun: RunID?
    ) async {
        guard let operatorIdentity = context.operatorIdentity else { return }
        let accepted = (200..<400).contains(status.code)
        guard !accepted || request.method != .get else { return }
        let path = request.uri.path
        let route = OperatorRoute.allCases.first { $0.method == request.method && $0.matches(path: path) }
        let captured = route.map { Self.captures(of: $0, in: path) } ?? [:]
        let run = createdRun ?? captured["id"].map { RunID($0) }
        var detail = "\(status.code)"
        if let query = request.uri.query, !query.isEmpty { detail += " ?\(query)" }
        if let error { detail += ": \(error)" }
        var incident: String?
        if let run { incident = await coordinator.incident(of: run) }
        let now = Instant(millisecondsSinceEpoch: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
        let entry = AuditEntry(
            at: now, actor: operatorIdentity.startedBy,
            action: route?.description ?? "\(request.method.rawValue) \(path)", outcome: accepted ? .accepted : .refused,
            incident: incident, run: run,
            step: captured["step"].map { StepID($0) }, detail: detail)
        do {
            try await coordinator.audit(entry)
        } catch {
            context.logger.error("cannot write the audit record of \(entry.action) by \(entry.actor): \(error)")
        }
    }

    /// The values of the route's `{name}` segments in `path`, percent-decoded.
    static func captures(of route: OperatorRoute, in path: String) -> [String: String] {
        var values: [String: String] = [:]
        for (pattern, given) in zip(OperatorRoute.segments(route.path), OperatorRoute.segments(path))
        where pattern.hasPrefix("{") && pattern.hasSuffix("}") {
            values[String(pattern.dropFirst().dropLast())] = String(given).removingPercentEncoding ?? String(given)
        }
        return values
    }

    /// The run id in a `Location: /v1/runs/{id}` header of a created run.
    static func runID(fromLocation location: String) -> RunID? {
        guard OperatorRoute.getRun.matches(path: location) else { return nil }
        return captures(of: .getRun, in: location)["id"].map { RunID($0) }
    }
}
