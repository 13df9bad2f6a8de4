// swift-tools-version:6.0
// Benchmark harness for scripts/bench-labels: links the CuckooML library from the repository.
import PackageDescription

let package = Package(
    name: "LabelsBench",
    dependencies: [.package(name: "cuckooml", path: "../..")],
    targets: [
        .executableTarget(name: "LabelsBench", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
    ])
