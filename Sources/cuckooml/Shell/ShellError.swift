/// Errors the shell reports as `error: MESSAGE`; usage errors also print the command's synopsis.
enum ShellError: Error, Equatable, CustomStringConvertible {
    /// Bad arguments for a known command.
    case usage(String)
    /// The command failed for a reason that is not the analyst's wording.
    case failed(String)
    /// The first word is not a command; carries a suggestion when one is close.
    case unknownCommand(String, suggestion: String?)
    /// A script could not be parsed (unterminated quote...).
    case syntax(String)

    var description: String {
        switch self {
        case .usage(let m), .failed(let m), .syntax(let m): m
        case .unknownCommand(let name, let suggestion):
            "unknown command '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? " (type 'help' for the list)")
        }
    }
}
