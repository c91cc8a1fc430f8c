/// Walking every template of a step: to check the step outputs they read, and to rewrite them when a
/// module is expanded.
extension StepSpec {
    /// The step with `transform` applied to every template, its rollback's included.
    func mapTemplates(_ transform: (Template) -> Template) -> StepSpec {
        var copy = mapOwnTemplates(transform)
        if case .step(var rollback) = rollback {
            rollback.pre = rollback.pre.map { $0.mapTemplates(transform) }
            rollback.action = rollback.action.mapTemplates(transform)
            rollback.post = rollback.post.map { $0.mapTemplates(transform) }
            copy.rollback = .step(rollback)
        }
        return copy
    }

    /// The step with `transform` applied to every template except its rollback's.
    func mapOwnTemplates(_ transform: (Template) -> Template) -> StepSpec {
        var copy = self
        copy.pre = pre.map { $0.mapTemplates(transform) }
        copy.action = action?.mapTemplates(transform)
        copy.post = post.map { $0.mapTemplates(transform) }
        copy.when = when?.mapTemplates(transform)
        copy.manualInstructions = manualInstructions.map(transform)
        return copy
    }

    /// Every template of the step, not its rollback's.
    var ownTemplates: [Template] {
        var found: [Template] = []
        _ = mapOwnTemplates { found.append($0); return $0 }
        return found
    }

    /// Every template of the step's rollback.
    var rollbackTemplates: [Template] {
        guard case .step = rollback else { return [] }
        var all: [Template] = []
        _ = mapTemplates { all.append($0); return $0 }
        return Array(all.dropFirst(ownTemplates.count))
    }
}

extension ConditionSpec {
    func mapTemplates(_ transform: (Template) -> Template) -> ConditionSpec {
        ConditionSpec(left: transform(left), comparison: comparison, right: transform(right), position: position)
    }
}

extension ActionSpec {
    func mapTemplates(_ transform: (Template) -> Template) -> ActionSpec {
        ActionSpec(argv: argv.map(transform), env: env.map { $0.mapTemplates(transform) }, isShell: isShell)
    }
}

extension EnvironmentEntry {
    func mapTemplates(_ transform: (Template) -> Template) -> EnvironmentEntry {
        EnvironmentEntry(name: name, value: transform(value))
    }
}

extension IntegerSpec {
    func mapTemplates(_ transform: (Template) -> Template) -> IntegerSpec {
        switch self {
        case .literal: return self
        case .template(let template): return .template(transform(template))
        }
    }
}

extension JSONCheckSpec {
    func mapTemplates(_ transform: (Template) -> Template) -> JSONCheckSpec {
        JSONCheckSpec(path: path, equals: transform(equals))
    }
}

extension ProbeSpec {
    func mapTemplates(_ transform: (Template) -> Template) -> ProbeSpec {
        switch self {
        case .command(var probe):
            probe.argv = probe.argv.map(transform)
            probe.env = probe.env.map { $0.mapTemplates(transform) }
            probe.exitCode = probe.exitCode.mapTemplates(transform)
            probe.stdoutContains = probe.stdoutContains.map(transform)
            probe.stdoutMatches = probe.stdoutMatches.map(transform)
            probe.stderrContains = probe.stderrContains.map(transform)
            probe.stdoutEquals = probe.stdoutEquals.map(transform)
            probe.json = probe.json?.mapTemplates(transform)
            return .command(probe)
        case .file(var probe):
            probe.path = transform(probe.path)
            probe.contains = probe.contains.map(transform)
            probe.owner = probe.owner.map(transform)
            return .file(probe)
        case .tcp(var probe):
            probe.host = transform(probe.host)
            probe.port = probe.port.mapTemplates(transform)
            return .tcp(probe)
        case .http(var probe):
            probe.url = transform(probe.url)
            probe.status = probe.status.mapTemplates(transform)
            probe.bodyContains = probe.bodyContains.map(transform)
            probe.json = probe.json?.mapTemplates(transform)
            probe.caFile = probe.caFile.map(transform)
            return .http(probe)
        case .process(var probe):
            switch probe.target {
            case .name(let name): probe.target = .name(transform(name))
            case .pidfile(let path): probe.target = .pidfile(transform(path))
            }
            return .process(probe)
        }
    }
}
