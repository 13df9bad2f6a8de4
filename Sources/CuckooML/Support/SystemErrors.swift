#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library's message for the current `errno`, for error lines that name what the system refused.
func errnoText() -> String { String(cString: strerror(errno)) }
