#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// Runs the built `cuckooml` as a child process (exit statuses, signals, raw argument bytes), with a
/// deadline after which it is killed, so a regression that hangs fails instead of stalling the run.
struct ProcessRun {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    var timedOut: Bool
    var out: String { String(decoding: stdout, as: UTF8.self) }
    var err: String { String(decoding: stderr, as: UTF8.self) }

    /// `arguments` are raw bytes each (a file name need not be UTF-8). `interruptAfter` sends SIGINT
    /// that many seconds after the start. `program` runs instead of `cuckooml` when given. `stdin` is written into a pipe the child reads (a small text:
    /// it must fit the pipe's buffer); without it the child reads /dev/null.
    static func run(_ arguments: [[UInt8]], program: String? = nil, environment: [String] = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"],
                    stdin: [UInt8]? = nil,
                    seconds: Double = 60, interruptAfter: Double? = nil, killWhen: (() -> Bool)? = nil) -> ProcessRun? {
        guard let binary = program ?? Pseudoterminal.binary else { return nil }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0], inPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdin {
            guard stdin.count <= 65536, pipe(&inPipe) == 0 else { return nil }
            _ = stdin.withUnsafeBytes { write(inPipe[1], $0.baseAddress, $0.count) }
            close(inPipe[1])
            posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        let argv: [[UInt8]] = [Array(binary.utf8)] + arguments
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { bytes in
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            for (i, b) in bytes.enumerated() { p[i] = CChar(bitPattern: b) }
            p[bytes.count] = 0
            return p
        } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { cArgv.forEach { $0?.deallocate() }; cEnv.forEach { free($0) } }
        var child: pid_t = 0
        guard posix_spawn(&child, binary, &actions, nil, &cArgv, &cEnv) == 0 else { return nil }
        close(outPipe[1]); close(errPipe[1])
        if inPipe[0] >= 0 { close(inPipe[0]) }
        _ = fcntl(outPipe[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(errPipe[0], F_SETFL, O_NONBLOCK)
        var run = ProcessRun(status: -1, stdout: [], stderr: [], timedOut: false)
        let start = monotonic()
        var interrupted = false
        var buffer = [UInt8](repeating: 0, count: 65536)
        func drain() {
            for (fd, isOut) in [(outPipe[0], true), (errPipe[0], false)] {
                while true {
                    let n = read(fd, &buffer, buffer.count)
                    if n <= 0 { break }
                    if isOut { run.stdout += buffer[0..<n] } else { run.stderr += buffer[0..<n] }
                }
            }
        }
        var status: Int32 = 0
        while true {
            drain()
            if waitpid(child, &status, WNOHANG) == child { break }
            let elapsed = monotonic() - start
            if let after = interruptAfter, !interrupted, elapsed > after { kill(child, SIGINT); interrupted = true }
            if elapsed > seconds { kill(child, SIGKILL); run.timedOut = true }
            if let killWhen, killWhen() { kill(child, SIGKILL) }
            usleep(killWhen == nil ? 10_000 : 500)
        }
        drain()
        close(outPipe[0]); close(errPipe[0])
        run.status = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return run
    }

    static func run(_ arguments: [String], stdin: String? = nil, seconds: Double = 60, interruptAfter: Double? = nil,
                    killWhen: (() -> Bool)? = nil) -> ProcessRun? {
        run(arguments.map { Array($0.utf8) }, stdin: stdin.map { Array($0.utf8) }, seconds: seconds,
            interruptAfter: interruptAfter, killWhen: killWhen)
    }

    private static func monotonic() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
