import BatonModel
import CoordinatorStore
import Testing

/// What every CatalogStore must do, run against each implementation.
@Suite("CatalogStore conformance")
struct CatalogTests {
    static func version(
        _ name: String = "cache-recovery", _ version: String = "1", hash: String = "aaa111", author: String = "alice"
    ) -> CatalogVersion {
        CatalogVersion(
            name: name, version: version, fileName: "cache.yaml", playbookText: "metadata: {name: \(name)}\n# \(hash)\n",
            modules: [CatalogModule(file: "platform/restart.yaml", text: "kind: Module\n")], contentHash: hash,
            author: author, pushedAt: at(1_000))
    }

    static func catalog(_ fixture: StoreFixture) throws -> any CatalogStore {
        try #require(fixture.store as? any CatalogStore, "\(fixture.kind) does not conform to CatalogStore")
    }

    @Test("a pushed version is stored as a draft with its content; pushing it again changes nothing", arguments: StoreKind.allCases)
    func pushStoresDraftOnce(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        let pushed = Self.version()
        guard case .stored(let stored) = try await catalog.push(pushed) else {
            Issue.record("the first push did not store the version")
            return
        }
        #expect(stored.state == .draft)
        #expect(try await catalog.catalogVersion(name: "cache-recovery", version: "1") == stored)
        #expect(stored.modules == pushed.modules && stored.playbookText == pushed.playbookText)
        #expect(try await catalog.catalogVersion(name: "cache-recovery", version: "2") == nil)

        var again = Self.version(author: "bob")
        again.pushedAt = at(5_000)
        #expect(try await catalog.push(again) == .unchanged(stored), "the same content again keeps the first push")
        #expect(try await catalog.catalogVersions() == [stored])
    }

    @Test("different content under an existing version is refused, naming both hashes", arguments: StoreKind.allCases)
    func immutableVersions(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        _ = try await catalog.push(Self.version(hash: "aaa111"))
        let error = await #expect(throws: CatalogError.self) { try await catalog.push(Self.version(hash: "bbb222")) }
        #expect(error?.status == .conflict)
        #expect(error?.message.contains("aaa111") == true && error?.message.contains("bbb222") == true)
        #expect(try await catalog.catalogVersion(name: "cache-recovery", version: "1")?.contentHash == "aaa111")
    }

    @Test("the author cannot publish their own version; another publisher can", arguments: StoreKind.allCases)
    func publishNeedsAnotherOperator(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        _ = try await catalog.push(Self.version(author: "alice"))
        let refused = await #expect(throws: CatalogError.self) {
            try await catalog.transition(name: "cache-recovery", version: "1", .publish(by: "alice"), at: at(2_000))
        }
        #expect(refused?.status == .forbidden)
        #expect(refused?.message == "alice pushed cache-recovery@1; another publisher must publish it")
        #expect(try await catalog.catalogVersion(name: "cache-recovery", version: "1")?.state == .draft)

        let published = try await catalog.transition(name: "cache-recovery", version: "1", .publish(by: "bob"), at: at(2_000))
        #expect(published.state == .published && published.publisher == "bob" && published.publishedAt == at(2_000))
        #expect(try await catalog.catalogVersion(name: "cache-recovery", version: "1") == published)
    }

    @Test("deprecate and retire name an existing replacement; the state only moves forward", arguments: StoreKind.allCases)
    func lifecycle(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        _ = try await catalog.push(Self.version("cache-recovery", "1"))
        _ = try await catalog.push(Self.version("cache-recovery", "2", hash: "bbb222"))
        let early = await #expect(throws: CatalogError.self) {
            try await catalog.transition(
                name: "cache-recovery", version: "1", .deprecate(by: "bob", replacement: "cache-recovery@2", reason: nil),
                at: at(1_500))
        }
        #expect(early?.status == .conflict)
        #expect(early?.message.contains("it is draft") == true)

        _ = try await catalog.transition(name: "cache-recovery", version: "1", .publish(by: "bob"), at: at(2_000))
        let missing = await #expect(throws: CatalogError.self) {
            try await catalog.transition(
                name: "cache-recovery", version: "1", .deprecate(by: "bob", replacement: "cache-recovery@9", reason: nil),
                at: at(2_500))
        }
        #expect(missing?.message.contains("cache-recovery@9 is not in the catalog") == true)

        let deprecated = try await catalog.transition(
            name: "cache-recovery", version: "1", .deprecate(by: "bob", replacement: "cache-recovery@2", reason: "old drain"),
            at: at(3_000))
        #expect(deprecated.state == .deprecated && deprecated.replacement == "cache-recovery@2" && deprecated.reason == "old drain")
        #expect(deprecated.deprecatedBy == "bob" && deprecated.deprecatedAt == at(3_000))

        let retired = try await catalog.transition(
            name: "cache-recovery", version: "1", .retire(by: "carol", replacement: "cache-recovery@2", reason: nil),
            at: at(4_000))
        #expect(retired.state == .retired && retired.retiredBy == "carol" && retired.retiredAt == at(4_000))
        #expect(retired.reason == "old drain", "retiring without a reason keeps the deprecation's")
        #expect(retired.publisher == "bob" && retired.deprecatedAt == at(3_000))

        let backwards = await #expect(throws: CatalogError.self) {
            try await catalog.transition(name: "cache-recovery", version: "1", .publish(by: "bob"), at: at(5_000))
        }
        #expect(backwards?.message.contains("it is retired") == true)
        let unknown = await #expect(throws: CatalogError.self) {
            try await catalog.transition(name: "nope", version: "1", .publish(by: "bob"), at: at(5_000))
        }
        #expect(unknown?.status == .notFound)
    }

    @Test("versions are listed by name, then version compared numerically", arguments: StoreKind.allCases)
    func listOrder(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        for (name, version) in [("zeta", "1"), ("alpha", "10"), ("alpha", "2"), ("alpha", "1.5.0")] {
            _ = try await catalog.push(Self.version(name, version, hash: "\(name)-\(version)"))
        }
        let listed = try await catalog.catalogVersions().map(\.reference)
        #expect(listed == ["alpha@1.5.0", "alpha@2", "alpha@10", "zeta@1"])
    }

    @Test("SQLite keeps versions and their lifecycle across reopening")
    func sqliteKeepsVersions() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        let catalog = try Self.catalog(fixture)
        _ = try await catalog.push(Self.version("cache-recovery", "1"))
        _ = try await catalog.push(Self.version("cache-recovery", "2", hash: "bbb222"))
        _ = try await catalog.transition(name: "cache-recovery", version: "1", .publish(by: "bob"), at: at(2_000))
        let retired = try await catalog.transition(
            name: "cache-recovery", version: "1", .retire(by: "bob", replacement: "cache-recovery@2", reason: "superseded"),
            at: at(3_000))
        let before = try await catalog.catalogVersions()

        _ = try fixture.reopen()
        let reopened = try Self.catalog(fixture)
        #expect(try await reopened.catalogVersions() == before)
        #expect(try await reopened.catalogVersion(name: "cache-recovery", version: "1") == retired)
        await #expect(throws: CatalogError.self) { try await reopened.push(Self.version("cache-recovery", "2", hash: "ccc333")) }
    }
}
