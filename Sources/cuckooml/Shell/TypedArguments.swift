/// A declared argument with a default, read as `Value`: its declaration (for parsing, `help` and
/// completion) and how its text becomes the value. The default is written once, as a value (usually
/// the library's own parameter default), and `help` shows that value's text, so no call site
/// restates it: `arguments[option]` is the given value or the default, never nil.
struct Defaulted<Value: Sendable>: Sendable {
    let spec: ArgumentSpec
    let read: @Sendable (String) -> Value?
    let value: Value
}

extension Defaulted where Value == Double {
    static func number(_ name: String, _ range: ClosedRange<Double>, default value: Double, help: String) -> Defaulted {
        Defaulted(spec: .option(name, .number(range), default: defaultText(value), help: help), read: { Double($0) }, value: value)
    }

    /// An optional positional number; its help ends with `(default VALUE)`.
    static func positional(_ name: String, _ range: ClosedRange<Double>, default value: Double, help: String) -> Defaulted {
        Defaulted(spec: .positional(name, .number(range), optional: true, help: "\(help) (default \(defaultText(value)))"),
                  read: { Double($0) }, value: value)
    }
}

extension Defaulted where Value == Int {
    /// An optional positional whole number; its help ends with `(default VALUE)`.
    static func positional(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String) -> Defaulted {
        Defaulted(spec: .positional(name, .integer(range), optional: true, help: "\(help) (default \(value))"),
                  read: { Int($0) }, value: value)
    }
}

extension Defaulted where Value == Int {
    /// A whole-number option.
    static func integer(_ name: String, _ range: ClosedRange<Int>, default value: Int, help: String) -> Defaulted {
        Defaulted(spec: .option(name, .integer(range), default: String(value), help: help), read: { Int($0) }, value: value)
    }
}

extension Defaulted where Value == String {
    static func text(_ name: String, default value: String, help: String) -> Defaulted {
        Defaulted(spec: .option(name, default: value, help: help), read: { $0 }, value: value)
    }
}

extension Defaulted where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
    static func choice(_ name: String, default value: Value, help: String) -> Defaulted {
        Defaulted(spec: .option(name, .choice(Value.allCases.map(\.rawValue)), default: value.rawValue, help: help),
                  read: { Value(rawValue: $0) }, value: value)
    }
}

/// A default as `help` shows it: whole numbers without a fraction (`0`, `1`), others as Swift prints them.
func defaultText(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
}

extension Arguments {
    /// The value given for `argument`, else its default.
    subscript<Value>(_ argument: Defaulted<Value>) -> Value {
        (positionals[argument.spec.name]?.first ?? options[argument.spec.name]).flatMap(argument.read) ?? argument.value
    }
}

extension Defaulted where Value == Bool {
    /// A `yes`/`no` option.
    static func yesNo(_ name: String, default value: Bool, help: String) -> Defaulted {
        Defaulted(spec: .option(name, .choice(["yes", "no"]), default: value ? "yes" : "no", help: help),
                  read: { $0 == "yes" ? true : $0 == "no" ? false : nil }, value: value)
    }
}
