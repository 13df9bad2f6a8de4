// swift-tools-version:6.0
// Benchmark harness for scripts/bench-assess: links the CuckooML library from the repository.
import PackageDescription

let package = Package(
    name: "AssessBench",
    dependencies: [.package(name: "cuckooml", path: "../..")],
    targets: [
        .executableTarget(name: "AssessBench", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
    ])
