// swift-tools-version:6.0
// The Swift harnesses of `scripts/bench` (assess, labels, features, normaliser): they link the CuckooML
// library from the repository, built in release by the driver.
import PackageDescription

let package = Package(
    name: "BenchHarness",
    dependencies: [.package(name: "cuckooml", path: "../../..")],
    targets: [
        .executableTarget(name: "AssessBench", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
        .executableTarget(name: "LabelsBench", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
        .executableTarget(name: "FeaturesBench", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
    ])
