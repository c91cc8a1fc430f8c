import BatonModel
import CoordinatorCore
import CoordinatorStore
import Testing

/// What every CoordinatorStore must do, run against each implementation.
@Suite("CoordinatorStore conformance")
struct StoreConformanceTests {
    @Test("beginEpoch starts at 1 and rises by exactly one per call", arguments: StoreKind.allCases)
    func epochRisesByOne(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        var epochs: [UInt64] = []
        for _ in 0..<4 { epochs.append(try await fixture.store.beginEpoch()) }
        #expect(epochs == [1, 2, 3, 4])
    }

    @Test("append returns one strictly increasing sequence per record, across calls and runs", arguments: StoreKind.allCases)
    func appendReturnsIncreasingSequences(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = try await store.append([Fixtures.record("r-1", 1), Fixtures.record("r-2", 2), Fixtures.record("r-1", 3)])
        #expect(first.count == 3)
        #expect(first == first.sorted() && Set(first).count == 3)
        #expect(try await store.append([]) == [])
        let second = try await store.append([Fixtures.record("r-2", 4), Fixtures.record("r-3", 5)])
        #expect(second.count == 2)
        #expect(second[0] < second[1])
        #expect(second[0] > first.max()!)

        // The sequences handed back are the ones the records are read back under.
        let stored = try await store.records(runID: nil, after: 0, limit: 100)
        #expect(stored.map(\.sequence) == first + second)
    }

    @Test("records are read back in append order with their run, time and event intact", arguments: StoreKind.allCases)
    func recordsReadBackInOrder(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let appended = (1...6).map { Fixtures.record($0 % 2 == 0 ? "r-even" : "r-odd", $0) }
        try await store.append(appended)
        #expect(try await store.allRecords().map(\.record) == appended)
    }

    @Test("records(runID:after:limit:) filters by run and by sequence, and honours the limit", arguments: StoreKind.allCases)
    func recordsFilterAndPage(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let runA: RunID = "r-a"
        let runB: RunID = "r-b"
        let appended = [
            Fixtures.record(runA, 1), Fixtures.record(runB, 2), Fixtures.record(runA, 3),
            Fixtures.record(runB, 4), Fixtures.record(runA, 5), Fixtures.record(runA, 6),
        ]
        let sequences = try await store.append(appended)

        let onlyA = try await store.records(runID: runA, after: 0, limit: 100)
        #expect(onlyA.map(\.record) == [appended[0], appended[2], appended[4], appended[5]])
        #expect(onlyA.map(\.sequence) == [sequences[0], sequences[2], sequences[4], sequences[5]])
        #expect(try await store.records(runID: runB, after: 0, limit: 100).map(\.record) == [appended[1], appended[3]])
        #expect(try await store.records(runID: "r-none", after: 0, limit: 100).isEmpty)

        // `after` is exclusive and applies to the global sequence, even one belonging to another run.
        #expect(try await store.records(runID: runA, after: sequences[2], limit: 100).map(\.record) == [appended[4], appended[5]])
        #expect(try await store.records(runID: runA, after: sequences[3], limit: 100).map(\.record) == [appended[4], appended[5]])
        #expect(try await store.records(runID: nil, after: sequences[3], limit: 100).map(\.record) == Array(appended[4...]))
        #expect(try await store.records(runID: nil, after: sequences[5], limit: 100).isEmpty)

        // The limit keeps the oldest matching records.
        #expect(try await store.records(runID: runA, after: 0, limit: 2).map(\.record) == [appended[0], appended[2]])
        #expect(try await store.records(runID: nil, after: sequences[0], limit: 3).map(\.record) == Array(appended[1...3]))
        #expect(try await store.records(runID: nil, after: 0, limit: 0).isEmpty)

        // Paging with the last sequence seen visits every record exactly once.
        var paged: [StoredRecord] = []
        var cursor: Int64 = 0
        while true {
            let page = try await store.records(runID: nil, after: cursor, limit: 4)
            guard let last = page.last else { break }
            #expect(page.count <= 4)
            paged += page
            cursor = last.sequence
        }
        #expect(paged.map(\.record) == appended)
    }

    @Test("every kind of RunEvent round-trips exactly, plan probes and report evidence included", arguments: StoreKind.allCases)
    func everyEventRoundTrips(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let records = Fixtures.everyEvent()
        #expect(Set(records.map(\.event.kind)).count == 6, "the fixture should cover every RunEvent case")
        try await store.append(records)
        let back = try await store.records(runID: "r-000001", after: 0, limit: 100).map(\.record)
        #expect(back == records)
        for (original, read) in zip(records, back) {
            #expect(read == original, "\(original.event.kind) changed in the store")
        }
    }

    @Test("a run rebuilt from stored records matches the run built from the original records", arguments: StoreKind.allCases)
    func storedJournalRebuildsTheRun(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let records = Fixtures.everyEvent()
        try await store.append(records)
        var original = RunTable()
        records.forEach { original.apply($0) }
        var rebuilt = RunTable()
        try await store.allRecords().forEach { rebuilt.apply($0.record) }
        #expect(rebuilt == original)
        #expect(rebuilt["r-000001"]?.phase == .succeeded)
        #expect(rebuilt["r-000001"]?.steps["promote"]?.lastReport == Fixtures.verifiedReport)
    }

    @Test("allRecords pages through more records than one page holds", arguments: StoreKind.allCases)
    func allRecordsPagesThroughEverything(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let records = (1...10_050).map { Fixtures.record($0 % 3 == 0 ? "r-x" : "r-y", $0) }
        try await store.append(records)
        let all = try await store.allRecords()
        #expect(all.count == records.count)
        #expect(all.map(\.record) == records)
    }
}
