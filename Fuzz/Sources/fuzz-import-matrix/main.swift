import FuzzSupport

runFuzzer { data, count in
    if let problem = FuzzEntries.importMatrix(fuzzBytes(data, count)) { fatalError(problem) }
    return 0
}
