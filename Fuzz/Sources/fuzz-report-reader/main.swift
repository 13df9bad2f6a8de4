import FuzzSupport

runFuzzer { data, count in
    if let problem = FuzzEntries.reportReader(fuzzBytes(data, count)) { fatalError(problem) }
    return 0
}
