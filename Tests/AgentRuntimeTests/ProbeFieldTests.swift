import BatonModel
import Foundation
import Testing

@testable import AgentRuntime

/// The newer command, file and http probe fields against real commands, files and a loopback server.
@Suite struct ProbeFieldTests {
    let evaluator = ProbeEvaluator()

    // MARK: command

    @Test func stderrContainsPassAndFail() async {
        let probe = CommandProbe(argv: ["sh", "-c", "echo warn: disk 91% >&2"], stderrContains: "disk 91%")
        let pass = await evaluator.evaluate(.command(probe), phase: .pre)
        #expect(pass.passed)
        #expect(pass.expected == #"exit code 0, stderr contains "disk 91%""#)
        #expect(pass.observed == #"exit code 0, stderr contains "disk 91%""#)

        var missing = probe
        missing.stderrContains = "disk 99%"
        let fail = await evaluator.evaluate(.command(missing), phase: .pre)
        #expect(!fail.passed)
        #expect(fail.observed == #"exit code 0, stderr does not contain "disk 99%", stdout empty, stderr "warn: disk 91%\n""#)
    }

    @Test func stdoutEqualsTrimsOneTrailingNewline() async {
        let pass = await evaluator.evaluate(.command(CommandProbe(argv: ["printf", "ready\n"], stdoutEquals: "ready")), phase: .pre)
        #expect(pass.passed)
        #expect(pass.observed == #"exit code 0, stdout equals "ready""#)

        let twoNewlines = CommandProbe(argv: ["printf", "ready\n\n"], stdoutEquals: "ready")
        let fail = await evaluator.evaluate(.command(twoNewlines), phase: .pre)
        #expect(!fail.passed)
        #expect(fail.observed == #"exit code 0, stdout does not equal "ready", stdout "ready\n\n""#)
    }

    @Test func commandJSONFieldByDottedPathWithArrayIndexes() async {
        let document = #"{"a":{"b":[{"c":"x"},{"c":42,"ok":true,"lag":0.5}]}}"#
        func check(_ path: String, _ equals: String) async -> Evidence {
            await evaluator.evaluate(
                .command(CommandProbe(argv: ["printf", "%s", document], json: JSONFieldCheck(path: path, equals: equals))),
                phase: .post)
        }
        let string = await check("a.b.0.c", "x")
        #expect(string.passed)
        #expect(string.expected == #"exit code 0, json a.b.0.c is "x""#)
        #expect(string.observed == #"exit code 0, json a.b.0.c is "x""#)
        #expect(await check("a.b.1.c", "42").passed)
        #expect(await check("a.b.1.ok", "true").passed)
        #expect(await check("a.b.1.lag", "0.5").passed)

        let wrong = await check("a.b.0.c", "y")
        #expect(!wrong.passed)
        #expect(wrong.observed.hasPrefix(#"exit code 0, json a.b.0.c is not "y" but "x""#))
        let missing = await check("a.b.2.c", "x")
        #expect(!missing.passed)
        #expect(missing.observed.hasPrefix("exit code 0, json a.b.2.c is missing (no index 2 in a.b (2 items))"))
    }

    @Test func commandJSONOnOutputThatIsNotJSON() async {
        let probe = CommandProbe(argv: ["echo", "not json"], json: JSONFieldCheck(path: "a", equals: "1"))
        let evidence = await evaluator.evaluate(.command(probe), phase: .pre)
        #expect(!evidence.passed)
        #expect(evidence.observed == #"exit code 0, stdout is not JSON, stdout "not json\n""#)
    }

    // MARK: file

    @Test func fileModePassAndFail() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let path = dir.file("app.conf")
        try "x".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(chmod(path, 0o640) == 0)

        let pass = await evaluator.evaluate(.file(FileProbe(path: path, mode: 0o640)), phase: .post)
        #expect(pass.passed)
        #expect(pass.expected == "exists, mode 0640")
        #expect(pass.observed == "exists (1 byte), mode 0640")

        let fail = await evaluator.evaluate(.file(FileProbe(path: path, mode: 0o644)), phase: .post)
        #expect(!fail.passed)
        #expect(fail.observed == "exists (1 byte), mode 0640")
    }

    @Test func fileOwnerByUidAndName() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let path = dir.file("owned")
        try "x".write(toFile: path, atomically: false, encoding: .utf8)
        let uid = getuid()
        let name = try #require(ProbeEvaluator.userName(uid: uid))

        let byUID = await evaluator.evaluate(.file(FileProbe(path: path, owner: String(uid))), phase: .post)
        #expect(byUID.passed)
        #expect(byUID.observed == "exists (1 byte), owner \(name) (uid \(uid))")
        #expect(await evaluator.evaluate(.file(FileProbe(path: path, owner: name)), phase: .post).passed)

        let other = await evaluator.evaluate(.file(FileProbe(path: path, owner: String(uid + 4242))), phase: .post)
        #expect(!other.passed)
        let unknown = await evaluator.evaluate(.file(FileProbe(path: path, owner: "no-such-user-bt")), phase: .post)
        #expect(!unknown.passed)
        #expect(unknown.observed == #"exists (1 byte), owner \#(name) (uid \#(uid)), no user named "no-such-user-bt""#)
    }

    @Test func fileMaxAgeAgainstAnOldMtime() async throws {
        let dir = try ExecTestDirectory()
        defer { dir.remove() }
        let path = dir.file("heartbeat")
        try "beat".write(toFile: path, atomically: false, encoding: .utf8)
        let fresh = await evaluator.evaluate(.file(FileProbe(path: path, maxAgeMilliseconds: 600_000)), phase: .post)
        #expect(fresh.passed)
        #expect(fresh.expected == "exists, modified within 600.0 s")

        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-3_600)], ofItemAtPath: path)
        let stale = await evaluator.evaluate(.file(FileProbe(path: path, maxAgeMilliseconds: 600_000)), phase: .post)
        #expect(!stale.passed)
        #expect(stale.observed.hasPrefix("exists (4 bytes), modified 3600."))
        #expect(stale.observed.hasSuffix(" s ago"))
        #expect(await evaluator.evaluate(.file(FileProbe(path: path, maxAgeMilliseconds: 7_200_000)), phase: .post).passed)
    }

    // MARK: http

    @Test func httpBodyContainsAndJSON() async throws {
        let server = try TestHTTPServer(status: 200, body: #"{"status":"up","checks":[{"name":"db","ok":true}]}"#)
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.port)/health"

        let body = await evaluator.evaluate(.http(HTTPProbe(url: url, bodyContains: #""status":"up""#)), phase: .post)
        #expect(body.passed)
        #expect(body.observed == #"status 200, body contains "\"status\":\"up\"""#)

        let json = await evaluator.evaluate(
            .http(HTTPProbe(url: url, json: JSONFieldCheck(path: "checks.0.ok", equals: "true"))), phase: .post)
        #expect(json.passed)
        #expect(json.expected == #"status 200, json checks.0.ok is "true""#)
        #expect(json.observed == #"status 200, json checks.0.ok is "true""#)

        let down = await evaluator.evaluate(.http(HTTPProbe(url: url, bodyContains: "down")), phase: .post)
        #expect(!down.passed)
        #expect(down.observed.hasPrefix(#"status 200, body does not contain "down", body "{\"status\":"#))

        let wrong = await evaluator.evaluate(
            .http(HTTPProbe(url: url, json: JSONFieldCheck(path: "checks.0.name", equals: "cache"))), phase: .post)
        #expect(!wrong.passed)
        #expect(wrong.observed.hasPrefix(#"status 200, json checks.0.name is not "cache" but "db""#))
    }

    @Test func chunkedBodiesAreDecoded() {
        let raw = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n".utf8)
        #expect(String(decoding: HTTPResponse.body(of: raw), as: UTF8.self) == #"{"a":1}"#)
    }
}
