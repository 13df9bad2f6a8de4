// swift-tools-version:6.0
import PackageDescription

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
        // popcount kernels for the bit-packed engines (AVX-512 VPOPCNTDQ or popcnt, chosen at run time,
        // portable fallback). No target sets CPU or other unsafe flags, so the CuckooML product can be
        // a dependency of another package (scripts/check-dependency).
        .target(name: "CJSONScan"),
        .target(name: "CBitKernels"),
        // What the C library has and Swift's Glibc module hides: allocator tuning, pseudo-terminals.
        .target(name: "CPlatform"),
        .target(
            name: "CuckooML",
            dependencies: ["CSQLite", "CJSONScan", "CBitKernels", "CPlatform"],
            // The labeller's tables, compiled in by scripts/generate-label-tables (LabelTableSources.swift).
            exclude: ["Labels/Tables"]
        ),
        .executableTarget(
            name: "cuckooml",
            dependencies: ["CuckooML", "CEditLine", "CPlatform"]
        ),
        // Scratch directories for both test targets, removed when the test process exits.
        .target(name: "TestScratch", path: "Tests/TestScratch"),
        .testTarget(
            name: "CuckooMLTests",
            dependencies: ["CuckooML", "TestScratch"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ShellTests",
            dependencies: ["cuckooml", "CuckooML", "CEditLine", "CPlatform", "TestScratch"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
