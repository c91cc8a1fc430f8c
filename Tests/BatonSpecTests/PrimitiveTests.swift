import BatonModel
import BatonSpec
import Testing

@Suite struct PrimitiveTests {
    @Test func sha256StandardVectors() {
        #expect(SHA256Digest.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hexDigest([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // Two blocks.
        #expect(
            SHA256Digest.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256Digest.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func durations() {
        #expect(PlaybookDuration.parse("500ms") == 500)
        #expect(PlaybookDuration.parse("30s") == 30_000)
        #expect(PlaybookDuration.parse("5m") == 300_000)
        #expect(PlaybookDuration.parse("1h") == 3_600_000)
        #expect(PlaybookDuration.parse("1m30s") == 90_000)
        #expect(PlaybookDuration.parse("1h2m3s4ms") == 3_723_004)
        for bad in ["30 seconds", "-1s", "10", "", "s", "30s1m", "1m1m", "1.5s", "5M"] {
            #expect(PlaybookDuration.parse(bad) == nil, "\(bad)")
        }
        #expect(PlaybookDuration.format(milliseconds: 90_000) == "1m30s")
        #expect(PlaybookDuration.format(milliseconds: 300_000) == "5m")
        #expect(PlaybookDuration.format(milliseconds: 1_500) == "1s500ms")
    }

    @Test func diagnosticDescriptionIsCompilerStyle() {
        let diagnostic = Diagnostic(
            file: "p.yaml", line: 3, column: 7, severity: .error, code: "cycle", message: "a -> b -> a")
        #expect(diagnostic.description == "p.yaml:3:7: error: a -> b -> a")
    }
}
