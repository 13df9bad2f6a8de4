// swift-tools-version:6.0
import PackageDescription

// Popcount-heavy distance kernels need the `popcnt` instruction, which the default x86-64 target lacks.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "nehalem"])]
#else
let cpuFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "cuckooml",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "cuckooml", targets: ["cuckooml"]),
        .library(name: "CuckooML", targets: ["CuckooML"]),
    ],
    targets: [
        .systemLibrary(
            name: "CEditLine",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        // Small C kernels Swift cannot express well: SSE2 byte-run scans for the JSON scanner, and
        // AVX-512 popcount kernels (chosen at run time, portable fallback) for the bit-packed engine.
        .target(name: "CJSONScan"),
        .target(name: "CBitKernels"),
        // What the C library has and Swift's Glibc module hides: allocator tuning, pseudo-terminals.
        .target(name: "CPlatform"),
        .target(
            name: "CuckooML",
            dependencies: ["CSQLite", "CJSONScan", "CBitKernels"],
            // The labeller's tables, compiled in by scripts/generate-label-tables (LabelTableSources.swift).
            exclude: ["Labels/Tables"],
            swiftSettings: cpuFlags
        ),
        .executableTarget(
            name: "cuckooml",
            dependencies: ["CuckooML", "CEditLine", "CPlatform"],
            swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "CuckooMLTests",
            dependencies: ["CuckooML"],
            exclude: ["Fixtures"],
            swiftSettings: cpuFlags
        ),
        .testTarget(
            name: "ShellTests",
            dependencies: ["cuckooml", "CuckooML", "CEditLine", "CPlatform"],
            exclude: ["Golden"],
            swiftSettings: cpuFlags
        ),
    ],
    swiftLanguageModes: [.v6]
)
