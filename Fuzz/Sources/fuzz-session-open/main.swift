import FuzzSupport

runFuzzer { data, count in
    if let problem = FuzzEntries.sessionOpen(fuzzBytes(data, count)) { fatalError(problem) }
    return 0
}
