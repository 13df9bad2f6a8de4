import FuzzSupport
import ShellScript

runFuzzer { data, count in
    ScriptSyntax.exercise(String(decoding: fuzzBytes(data, count), as: UTF8.self))
    return 0
}
