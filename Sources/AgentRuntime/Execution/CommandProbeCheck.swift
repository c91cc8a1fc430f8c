import BatonModel

extension ProbeEvaluator {
    /// Runs the probe's command and checks its exit code, `stdout_contains` and `stdout_matches`.
    func evaluateCommand(_ probe: CommandProbe) async -> ProbeVerdict {
        var expected = ["exit code \(probe.exitCode)"]
        if let needle = probe.stdoutContains { expected.append("stdout contains \(EvidenceText.quoted(needle))") }
        if let pattern = probe.stdoutMatches { expected.append("stdout matches \(EvidenceText.quoted(pattern))") }
        if let text = probe.stdoutEquals { expected.append("stdout equals \(EvidenceText.quoted(text))") }
        if let needle = probe.stderrContains { expected.append("stderr contains \(EvidenceText.quoted(needle))") }
        if let json = probe.json { expected.append(Self.expectedJSON(json)) }
        let expectedText = expected.joined(separator: ", ")

        let result = await runner.run(
            argv: probe.argv, env: probe.env, timeoutMilliseconds: probe.timeoutMilliseconds,
            outputCapBytes: Self.commandOutputCap
        )
        if let spawnError = result.spawnError {
            return ProbeVerdict(expected: expectedText, observed: "could not start: \(spawnError)", passed: false)
        }

        var observed: [String] = []
        var passed = true
        if result.timedOut {
            observed.append("timed out after \(probe.timeoutMilliseconds) ms (process group killed)")
            passed = false
        } else if let code = result.exitCode {
            observed.append("exit code \(code)")
            if code != probe.exitCode { passed = false }
        } else {
            observed.append(result.outcomeSummary)
            passed = false
        }
        if let needle = probe.stdoutContains {
            let found = needle.isEmpty || result.stdout.contains(needle)
            observed.append("stdout \(found ? "contains" : "does not contain") \(EvidenceText.quoted(needle))")
            if !found { passed = false }
        }
        if let pattern = probe.stdoutMatches {
            switch POSIXRegex.matches(pattern, in: result.stdout) {
            case .success(let matched):
                observed.append("stdout \(matched ? "matches" : "does not match") \(EvidenceText.quoted(pattern))")
                if !matched { passed = false }
            case .failure(let error):
                observed.append("invalid regex \(EvidenceText.quoted(pattern)): \(error.message)")
                passed = false
            }
        }
        if let text = probe.stdoutEquals {
            var stdout = result.stdout
            if stdout.hasSuffix("\n") { stdout.removeLast() }
            let equal = stdout == text
            observed.append("stdout \(equal ? "equals" : "does not equal") \(EvidenceText.quoted(text))")
            if !equal { passed = false }
        }
        if let needle = probe.stderrContains {
            let found = needle.isEmpty || result.stderr.contains(needle)
            observed.append("stderr \(found ? "contains" : "does not contain") \(EvidenceText.quoted(needle))")
            if !found { passed = false }
        }
        if let json = probe.json {
            let check = Self.checkJSON(json, in: Array(result.stdout.utf8), source: "stdout")
            observed.append(check.observed)
            if !check.passed { passed = false }
        }
        if !passed {
            // Show what the command said, so a failure explains itself.
            observed.append(result.stdout.isEmpty ? "stdout empty" : "stdout \(EvidenceText.quoted(result.stdout))")
            if !result.stderr.isEmpty { observed.append("stderr \(EvidenceText.quoted(result.stderr))") }
        }
        return ProbeVerdict(expected: expectedText, observed: observed.joined(separator: ", "), passed: passed)
    }
}
