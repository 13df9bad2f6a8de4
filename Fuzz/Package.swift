// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for cuckooml's input parsers, kept out of the main package so its build is
// untouched. Build and run them with `scripts/fuzz TARGET` (it passes the sanitizer flags); a plain
// `swift build` here does not make fuzzers.
let fuzzer = { (name: String, dependencies: [Target.Dependency]) in
    Target.executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + dependencies,
        // The gold linker fails on Swift objects built with -sanitize=fuzzer (an internal error in
        // its DWARF reader); lld links them.
        linkerSettings: [.unsafeFlags(["-use-ld=lld"])]
    )
}

let package = Package(
    name: "cuckooml-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "cuckooml", path: "..")],
    targets: [
        // The inputs each fuzzer feeds, also used to replay a crash without libFuzzer.
        .target(name: "FuzzSupport", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
        // The shell's script syntax lives in the executable target, which another package cannot
        // link; these are symbolic links to its two source files, compiled here as they are there.
        .target(name: "ShellScript", dependencies: [.product(name: "CuckooML", package: "cuckooml")]),
        fuzzer("fuzz-report-reader", []),
        fuzzer("fuzz-script-parser", ["ShellScript"]),
        fuzzer("fuzz-import-matrix", []),
        fuzzer("fuzz-labels-load", []),
        fuzzer("fuzz-session-open", []),
    ],
    swiftLanguageModes: [.v6]
)
