import BatonModel

/// What the graph checks need to know about a step, even one whose other fields had errors.
struct StepOutline {
    var id: StepID
    var position: SourcePosition
    var needs: [StepReference]
}

/// Checks and orders the `needs` graph.
enum StepGraph {
    /// Reports duplicate ids, needs naming no step or the step itself, and cycles.
    static func check(_ steps: [StepOutline], sink: DiagnosticSink) {
        var firstIndex: [StepID: Int] = [:]
        var unique: [StepOutline] = []
        for step in steps {
            if let first = firstIndex[step.id] {
                sink.error(
                    "duplicate-step",
                    "duplicate step id '\(step.id)'; it is already used by the step at line \(steps[first].position.line)",
                    at: step.position)
                continue
            }
            firstIndex[step.id] = unique.count
            unique.append(step)
        }
        let ids = unique.map(\.id.rawValue)
        for step in unique {
            for need in step.needs {
                if need.id == step.id {
                    sink.error("cycle", "step '\(step.id)' needs itself (\(step.id) -> \(step.id))", at: need.position)
                } else if firstIndex[need.id] == nil {
                    sink.error(
                        "unknown-need",
                        "step '\(step.id)' needs '\(need.id)', which is not a step in this playbook\(Suggestions.didYouMean(need.id.rawValue, in: ids))",
                        at: need.position)
                }
            }
        }
        for cycle in cycles(unique, index: firstIndex) {
            // Report at the `needs` entry that closes the cycle: last member -> first member.
            let closing = unique[cycle[cycle.count - 1]]
            let position = closing.needs.first { $0.id == unique[cycle[0]].id }?.position ?? closing.position
            let names = (cycle + [cycle[0]]).map { unique[$0].id.rawValue }.joined(separator: " -> ")
            sink.error("cycle", "steps need each other in a cycle: \(names) (each step needs the next)", at: position)
        }
    }

    /// Each elementary cycle found by a depth-first search in file order, as indices into `steps`,
    /// rotated to start at its earliest step in the file; self-needs and unknown needs are skipped.
    private static func cycles(_ steps: [StepOutline], index: [StepID: Int]) -> [[Int]] {
        enum Mark { case unvisited, onStack, done }
        var marks = [Mark](repeating: .unvisited, count: steps.count)
        var stack: [Int] = []
        var found: [[Int]] = []
        var seen: Set<[Int]> = []

        func visit(_ node: Int) {
            marks[node] = .onStack
            stack.append(node)
            for need in steps[node].needs {
                guard let next = index[need.id], next != node else { continue }
                switch marks[next] {
                case .unvisited: visit(next)
                case .onStack:
                    let start = stack.lastIndex(of: next)!
                    var cycle = Array(stack[start...])
                    let smallest = cycle.firstIndex(of: cycle.min()!)!
                    cycle = Array(cycle[smallest...] + cycle[..<smallest])
                    if seen.insert(cycle).inserted { found.append(cycle) }
                case .done: break
                }
            }
            stack.removeLast()
            marks[node] = .done
        }

        for node in steps.indices where marks[node] == .unvisited { visit(node) }
        return found
    }

    /// A topological order of `ids` (each step after the ones it needs); among steps that are ready
    /// at the same time, the one earlier in `ids` comes first. Nil when the needs have a cycle.
    /// Needs naming no step in `ids` are ignored.
    static func order(_ ids: [StepID], needs: [StepID: [StepID]]) -> [StepID]? {
        let known = Set(ids)
        var placed: Set<StepID> = []
        var remaining = ids
        var order: [StepID] = []
        while !remaining.isEmpty {
            guard
                let next = remaining.firstIndex(where: { id in
                    (needs[id] ?? []).allSatisfy { !known.contains($0) || placed.contains($0) }
                })
            else { return nil }
            let id = remaining.remove(at: next)
            placed.insert(id)
            order.append(id)
        }
        return order
    }

    /// Groups `order` into waves: a step's wave is one more than the latest wave of the steps it needs.
    static func waves(_ order: [StepID], needs: [StepID: [StepID]]) -> [[StepID]] {
        var wave: [StepID: Int] = [:]
        var waves: [[StepID]] = []
        for id in order {
            let number = (needs[id] ?? []).compactMap { wave[$0] }.max().map { $0 + 1 } ?? 0
            wave[id] = number
            while waves.count <= number { waves.append([]) }
            waves[number].append(id)
        }
        return waves
    }
}
