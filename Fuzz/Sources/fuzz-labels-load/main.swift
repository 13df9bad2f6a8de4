import FuzzSupport

runFuzzer { data, count in
    if let problem = FuzzEntries.labelsLoad(fuzzBytes(data, count)) { fatalError(problem) }
    return 0
}
