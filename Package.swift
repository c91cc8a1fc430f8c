// swift-tools-version:6.1
// Baton: a coordinator and lightweight agents that run cross-functional incident runbooks.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
let nioSSL = Target.Dependency.product(name: "NIOSSL", package: "swift-nio-ssl")
let nioTLS = Target.Dependency.product(name: "NIOTLS", package: "swift-nio")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "baton",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "batond", targets: ["BatondMain"]),
        .executable(name: "baton-agent", targets: ["AgentMain"]),
        .executable(name: "baton", targets: ["BatonCLI"]),
        .executable(name: "baton-sim", targets: ["SimMain"]),
        .executable(name: "baton-loadgen", targets: ["BatonLoadGen"]),
        .executable(name: "baton-microbench", targets: ["BatonMicrobench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // Pure value types shared by everything.
        .target(name: "BatonModel", swiftSettings: swiftSettings),
        // YAML playbooks -> model; lint diagnostics with line/column; planning.
        .target(
            name: "BatonSpec",
            dependencies: ["BatonModel", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Code generated from proto/baton/v1 (committed; scripts/gen-proto regenerates it).
        .target(
            name: "BatonProto",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // Framing, envelope codec, TLS configuration builders, proto <-> model mapping.
        .target(
            name: "BatonWire",
            dependencies: [
                "BatonModel", "BatonProto", nioCore, nioSSL,
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // Certificate authority, certificate issuance and certificate identity (SPIFFE URI SAN).
        .target(
            name: "BatonIdentity",
            dependencies: [
                "BatonModel",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // Policy rules (YAML) and their static and run-time checks; pure.
        .target(
            name: "BatonPolicy",
            dependencies: ["BatonModel", "BatonSpec", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Pure state machines.
        .target(name: "CoordinatorCore", dependencies: ["BatonModel"], swiftSettings: swiftSettings),
        .target(name: "AgentCore", dependencies: ["BatonModel"], swiftSettings: swiftSettings),
        // The store protocol and the in-memory store.
        .target(
            name: "CoordinatorStore",
            dependencies: ["BatonModel", "CoordinatorCore", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "CoordinatorStoreSQLite",
            dependencies: ["CoordinatorStore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // Operator API data transfer objects shared by batond and the CLI.
        .target(name: "BatonAPI", dependencies: ["BatonModel"], swiftSettings: swiftSettings),
        // The coordinator shell: mTLS listener, sessions, effect runner.
        .target(
            name: "CoordinatorRuntime",
            dependencies: [
                "CoordinatorCore", "CoordinatorStore", "BatonWire", "BatonSpec", "BatonPolicy", "BatonIdentity", "BatonAPI",
                "BatonProto",
                nioCore, nioPosix, nioSSL, nioTLS, logging, serviceLifecycle,
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTPS operator API.
        .target(
            name: "CoordinatorHTTP",
            dependencies: [
                "BatonAPI", "BatonModel", "BatonSpec", "BatonPolicy", "CoordinatorRuntime", "CoordinatorStore", "BatonWire",
                "BatonIdentity",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                nioCore, nioSSL, logging, serviceLifecycle,
            ],
            swiftSettings: swiftSettings
        ),
        // The agent shell: dial-out session, reconnect, processes, probes, local journal.
        .target(
            name: "AgentRuntime",
            dependencies: [
                "AgentCore", "BatonModel", "BatonWire", "BatonProto", nioCore, nioPosix, nioSSL, nioTLS, logging, serviceLifecycle,
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BatondMain",
            dependencies: [
                "CoordinatorRuntime", "CoordinatorHTTP", "CoordinatorStoreSQLite", "BatonWire", "BatonPolicy", "BatonAPI",
                "BatonSpec", argumentParser, logging,
                serviceLifecycle, unixSignals, nioSSL,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AgentMain",
            dependencies: ["AgentRuntime", "BatonWire", argumentParser, logging, serviceLifecycle, unixSignals, nioSSL],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BatonCLI",
            dependencies: [
                "BatonAPI", "BatonSpec", "BatonPolicy", "BatonIdentity", "BatonModel", "BatonWire", argumentParser, nioCore,
                nioSSL,
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmarks (scripts/bench): 1,000 simulated agents over real mTLS, and hot-path microbenchmarks.
        .executableTarget(
            name: "BatonLoadGen",
            dependencies: [
                "BatonIdentity", "BatonModel", "BatonProto", "BatonWire", argumentParser, nioCore, nioPosix, nioSSL,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "BatonMicrobench",
            dependencies: [
                "BatonModel", "BatonProto", "BatonSpec", "BatonWire", "CoordinatorCore",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        // The deterministic simulator: the pure cores, a simulated clock, network and faults.
        .target(name: "BatonSimulation", dependencies: ["BatonModel", "CoordinatorCore", "AgentCore"], swiftSettings: swiftSettings),
        .executableTarget(name: "SimMain", dependencies: ["BatonSimulation", argumentParser], swiftSettings: swiftSettings),
        .testTarget(name: "BatonSpecTests", dependencies: ["BatonSpec"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BatonPolicyTests", dependencies: ["BatonPolicy", "BatonModel", "BatonSpec"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CoordinatorCoreTests", dependencies: ["CoordinatorCore", "BatonPolicy"], swiftSettings: swiftSettings),
        .testTarget(name: "AgentCoreTests", dependencies: ["AgentCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "BatonWireTests",
            dependencies: [
                "BatonWire", "BatonIdentity", "BatonProto", nioCore, .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "AgentRuntimeTests", dependencies: ["AgentRuntime", "AgentCore", nioSSL], swiftSettings: swiftSettings),
        .testTarget(
            name: "CoordinatorStoreTests",
            dependencies: ["CoordinatorStore", "CoordinatorStoreSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "BatonIdentityTests", dependencies: ["BatonIdentity"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SimulationTests", dependencies: ["BatonSimulation", "CoordinatorCore", "AgentCore"],
            swiftSettings: swiftSettings
        ),
        // Real processes; CoordinatorHTTP only for the list of routes (the authorization matrix).
        .testTarget(
            name: "IntegrationTests", dependencies: ["BatonIdentity", "BatonAPI", "CoordinatorHTTP"], swiftSettings: swiftSettings),
    ]
)
