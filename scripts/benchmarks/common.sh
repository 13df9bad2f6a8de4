# Sourced by every benchmark in scripts/benchmarks/ (run them through `scripts/bench NAME`): the one
# name for each setting they share, with its default.
#   CUCKOOML_PYTHON  the reference Python (numpy, scipy, scikit-learn, hdbscan; fast_hdbscan and avclass
#                    where a benchmark says so): default the oracle venv /tmp/cuckooml-oracle/bin/python,
#                    made by ../shared/oracle/setup.sh [--fast] [--avclass]
#   CUCKOOML_SHARED  the shared folder (real reports, the oracle): default ../shared beside the repository
#   CUCKOOML_BENCH_BUILD  where the Swift harness (scripts/benchmarks/Harness) is built: default
#                    .build/bench-harness, kept between runs
#   CUCKOOML_BINARY  the cuckooml executable measured: default this checkout's release build (built
#                    first); set it to measure another build with the same benchmark, e.g. an older
#                    commit's built in its own worktree, side by side with today's
bench_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CUCKOOML_PYTHON="${CUCKOOML_PYTHON:-${TMPDIR:-/tmp}/cuckooml-oracle/bin/python}"
export CUCKOOML_SHARED="${CUCKOOML_SHARED:-$bench_root/../shared}"
bench_name="bench $(basename "$0")"

# Stops with a clear message unless the reference Python runs; $1: the setup.sh flag it needs, if any.
need_python() {
    [ -x "$CUCKOOML_PYTHON" ] && return 0
    echo "$bench_name: no Python at $CUCKOOML_PYTHON (set CUCKOOML_PYTHON, or run ../shared/oracle/setup.sh${1:+ $1})" >&2
    exit 1
}

# Builds the Swift harness in release and prints the folder holding its executables.
harness() {
    local build="${CUCKOOML_BENCH_BUILD:-$bench_root/.build/bench-harness}"
    echo "building the harness (release)..." >&2
    (cd "$bench_root/scripts/benchmarks/Harness" && swift build -c release --scratch-path "$build" >/dev/null) \
        || { echo "$bench_name: harness build failed" >&2; exit 1; }
    echo "$build/release"
}

# Prints the cuckooml executable to measure: $CUCKOOML_BINARY when set, else this checkout's release
# build, built first unless $1 is "no-build". Use as bin="$(cuckooml_binary)": a failure stops the caller.
cuckooml_binary() {
    if [ -n "${CUCKOOML_BINARY:-}" ]; then
        [ -x "$CUCKOOML_BINARY" ] || { echo "$bench_name: CUCKOOML_BINARY=$CUCKOOML_BINARY is not an executable" >&2; exit 1; }
        echo "$CUCKOOML_BINARY"
        return
    fi
    if [ "${1:-}" != no-build ]; then
        (cd "$bench_root" && swift build -c release --product cuckooml >/dev/null) \
            || { echo "$bench_name: release build failed" >&2; exit 1; }
    fi
    local bin
    bin="$(cd "$bench_root" && swift build -c release --show-bin-path)/cuckooml"
    [ -x "$bin" ] || { echo "$bench_name: $bin not built" >&2; exit 1; }
    echo "$bin"
}
