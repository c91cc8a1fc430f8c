import BatonAPI
import BatonModel
import BatonSpec
import CoordinatorRuntime
import Foundation
import Hummingbird
import Logging

extension OperatorHandlers {
    /// The journal page size when none is asked for, and the largest allowed.
    static let defaultJournalLimit = 500
    static let maxJournalLimit = 5000

    /// `POST /v1/runs`: start a run of a catalog version (`catalog`), or, in dev mode, of an uploaded playbook.
    func startRun(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let operatorIdentity = try context.requireOperator()
        let body = try await RequestInput.decodeJSON(StartRunRequest.self, from: request, limit: maxBodySize)
        let incident = body.incident.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !incident.isEmpty else {
            throw APIError.badRequest("incident must not be empty; name the incident this run responds to")
        }
        let plan: Plan
        var warning: String?
        if let reference = body.catalog {
            let planned = try await catalogPlan(reference, parameters: body.parameters)
            plan = planned.plan
            warning = planned.warning
        } else {
            guard allowPlaybookUpload else {
                throw APIError(
                    .forbidden,
                    "uploading playbooks is disabled (dev mode off); push the playbook to the catalog "
                        + "(baton catalog push FILE), have a publisher publish it, then start it with baton run start NAME@VERSION")
            }
            let fileName = body.fileName.isEmpty ? "playbook.yaml" : body.fileName
            let modules = (body.modules ?? []).map { ModuleSource(file: $0.file, text: $0.text) }
            plan = try Self.plan(source: body.playbook, fileName: fileName, parameters: body.parameters, modules: modules)
        }
        let runID: RunID
        do {
            runID = try await coordinator.startRun(plan: plan, incident: incident, startedBy: operatorIdentity.startedBy)
        } catch let refusal as PolicyRefusal {
            throw APIError(
                .unprocessableContent, "the plan breaks \(refusal.violations.count) policy rule(s); nothing was started",
                diagnostics: refusal.violations.map(\.description))
        }
        context.logger.info(
            "run started",
            metadata: ["run": .string(runID.rawValue), "playbook": .string(plan.playbookName), "incident": .string(incident)])
        var started = StartRunResponse(runID: runID.rawValue, planHash: plan.hash)
        started.warning = warning
        var response = JSONResponse.make(started, status: .created)
        response.headers[.location] = "/v1/runs/\(runID.rawValue)"
        return response
    }

    /// Loads and plans a playbook; any error diagnostic becomes a 400 listing every diagnostic.
    static func plan(
        source: String, fileName: String, parameters: [String: String], modules: [ModuleSource] = []
    ) throws(APIError) -> Plan {
        let (playbook, loadDiagnostics, _) = try load(source: source, fileName: fileName, modules: modules)
        switch Planner.plan(playbook, parameters: parameters) {
        case .success(let plan):
            return plan
        case .failure(let planDiagnostics):
            let all = (loadDiagnostics + planDiagnostics.all).enumerated()
                .sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }
                .map(\.element)
            throw invalidPlaybook(all)
        }
    }

    static func invalidPlaybook(_ diagnostics: [Diagnostic]) -> APIError {
        let errors = diagnostics.filter(\.isError).count
        let summary =
            switch errors {
            case 0: "playbook could not be loaded"
            case 1: "playbook has 1 error"
            default: "playbook has \(errors) errors"
            }
        return .badRequest(summary, diagnostics: diagnostics.map(\.description))
    }

    /// `GET /v1/runs`: every run, oldest first.
    func listRuns() async -> Response {
        let runs = await coordinator.allRuns().map(RunView.init)
        return JSONResponse.make(RunList(runs: runs))
    }

    /// `GET /v1/runs/{id}`.
    func getRun(context: OperatorRequestContext) async throws -> Response {
        let runID = try Self.runID(context)
        guard let run = await coordinator.run(runID) else { throw APIError.notFound("no run \(runID)") }
        return JSONResponse.make(RunView(run))
    }

    /// `GET /v1/runs/{id}/journal?after=N&limit=M`: the run's journal records after sequence N.
    func runJournal(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let runID = try Self.runID(context)
        let after = try RequestInput.integer(
            "after", in: request, default: Int64(0), range: 0...Int64.max, meaning: "the last sequence number already seen")
        let limit = try RequestInput.integer(
            "limit", in: request, default: Self.defaultJournalLimit, range: 1...Self.maxJournalLimit,
            meaning: "the most entries to return")
        guard await coordinator.run(runID) != nil else { throw APIError.notFound("no run \(runID)") }
        let records = try await coordinator.journal(runID: runID, after: after, limit: limit)
        return JSONResponse.make(JournalPage(entries: records.map(JournalEntryView.init)))
    }

    /// `GET /v1/runs/{id}/rollback-plan`: the compensation plan being run, or a preview of what would run now.
    func rollbackPlan(context: OperatorRequestContext) async throws -> Response {
        let runID = try Self.runID(context)
        guard let run = await coordinator.run(runID) else { throw APIError.notFound("no run \(runID)") }
        return JSONResponse.make(RollbackPlanView(run))
    }

    /// `POST /v1/runs/{id}/steps/{step}/complete` `{"evidence": "..."}`: an operator completes a manual step.
    func completeStep(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let operatorIdentity = try context.requireOperator()
        let (runID, step) = try Self.runAndStep(context)
        let body = try await RequestInput.decodeJSON(CompleteStepRequest.self, from: request, limit: maxBodySize)
        return try await command(runID) {
            try await coordinator.completeStep(runID, step, by: operatorIdentity.startedBy, evidence: body.evidence)
        }
    }

    static func runID(_ context: OperatorRequestContext) throws(APIError) -> RunID {
        guard let id = context.parameters.get("id"), !id.isEmpty else {
            throw APIError.badRequest("the run id is missing from the path")
        }
        return RunID(id)
    }
}
