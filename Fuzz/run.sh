#!/usr/bin/env bash
# Builds the fuzz targets (release, libFuzzer, AddressSanitizer) and runs each for a fixed time.
#
#   Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET…]     fuzz (default 60 s each, every target)
#   Fuzz/run.sh replay [TARGET…]                  run every file of Fuzz/regressions/TARGET/ once
#
# A crash, a hang (-timeout) or running out of memory (-rss_limit_mb / -malloc_limit_mb) is a
# finding: its input is saved under the artifacts folder printed below, and the script exits 1.
# Corpora grow between runs under Fuzz/.build/fuzz/corpus/ (ignored by git). Seeds are put
# together on every run from the test fixtures, Fuzz/seeds/TARGET/, the seeds the harness makes
# with the libraries' own encoders, and Fuzz/regressions/TARGET/ — except the inputs listed in
# Fuzz/regressions/KNOWN, which still crash until their fix lands (replay runs them all).
#
# Environment: FUZZ_TIMEOUT (seconds per input, default 10), FUZZ_RSS_MB (default 2048),
# FUZZ_JOBS (build jobs, default: SwiftPM's), FUZZ_NO_BUILD=1 (use the last build).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$here"

all_targets=(lmf csv jsonl json-array import-payload import-mturk import-long import-cifar10h-raw import-counts
    import-jspsych import-jatos import-prolific npy npy-header cifar checkpoint checkpoint-header answer study-spec)

mode=fuzz
seconds=60
if [[ ${1:-} == replay ]]; then
    mode=replay
    shift
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then
    seconds=$1
    shift
fi
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    if [[ " ${all_targets[*]} " != *" $t "* ]]; then
        echo "unknown target '$t' (targets: ${all_targets[*]})" >&2
        exit 64
    fi
done

timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
work="$here/.build/fuzz"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
artifacts="$work/artifacts/$stamp"

build_flags=(-c release --sanitize=address -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library)
[[ -n ${FUZZ_JOBS:-} ]] && build_flags+=(-j "$FUZZ_JOBS")
if [[ ${FUZZ_NO_BUILD:-} != 1 ]]; then
    echo "== building the fuzz targets (release, -sanitize=fuzzer,address)"
    nice -n 10 swift build "${build_flags[@]}" || { echo "fuzz build failed" >&2; exit 1; }
fi
bin="$(swift build "${build_flags[@]}" --show-bin-path)/ExplicableFuzz"
[[ -x $bin ]] || { echo "no fuzz binary at $bin" >&2; exit 1; }

# Leak checks would flag the Swift runtime's own caches; libFuzzer's are off below too.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export EXPLICABLE_ROOT="$root"
# Let libFuzzer and ASan report crashes: the Swift runtime's backtracer trips ASan on its own reads.
export SWIFT_BACKTRACE=enable=no

# Fixture files of the main package that make good seeds, per target.
fixtures() {
    case $1 in
    lmf) echo "$root"/Tests/WordNetTests/Fixtures/mini.xml "$root"/Tests/WordNetTests/Fixtures/mini.xml.gz ;;
    npy | import-counts) echo "$root"/Tests/ExplicableCoreTests/Fixtures/*.npy "$root"/Tests/TrainingTests/Fixtures/*.npy ;;
    study-spec) echo "$root"/studies/*.json "$root"/Tests/StudiesTests/Fixtures/likert.json ;;
    esac
}
# Other targets' hand-made seeds that are also good input for a target.
borrowed() {
    case $1 in
    csv) echo import-long import-mturk import-cifar10h-raw import-prolific import-jspsych ;;
    jsonl) echo import-payload import-jatos ;;
    json-array) echo import-jspsych import-payload ;;
    esac
}
# libFuzzer's default -max_len is the largest seed; CIFAR needs room for a few 3,073/3,074-byte records.
extra_flags() {
    case $1 in
    cifar) echo -max_len=12300 ;;
    lmf) echo -max_len=16384 -dict="$here/dicts/lmf.dict" ;;
    import-*) echo -max_len=16384 ;;
    npy | npy-header | import-counts) echo -max_len=4096 -dict="$here/dicts/npy-header.dict" ;;
    checkpoint | checkpoint-header) echo -max_len=4096 -dict="$here/dicts/checkpoint-header.dict" ;;
    *) echo -max_len=4096 ;;
    esac
}
is_known() { [[ -f $here/regressions/KNOWN ]] && grep -qxF "$1" "$here/regressions/KNOWN"; }

seeds_for() {  # assembles the seed folder of target $1 and prints its path
    local t=$1 dir="$work/seeds/$t" f
    rm -rf "$dir"
    mkdir -p "$dir"
    for f in $(fixtures "$t"); do [[ -f $f ]] && cp "$f" "$dir/"; done
    [[ -d $here/seeds/$t ]] && cp "$here/seeds/$t"/* "$dir/" 2>/dev/null
    for b in $(borrowed "$t"); do
        for f in "$here/seeds/$b"/*; do [[ -f $f ]] && cp "$f" "$dir/$b-$(basename "$f")"; done
    done
    if [[ -d $here/regressions/$t ]]; then
        for f in "$here/regressions/$t"/*; do
            [[ -f $f ]] || continue
            is_known "regressions/$t/$(basename "$f")" || cp "$f" "$dir/regression-$(basename "$f")"
        done
    fi
    EXPLICABLE_FUZZ_TARGET=$t EXPLICABLE_FUZZ_WRITE_SEEDS="$dir" "$bin" >/dev/null 2>&1 ||
        echo "warning: $t: the harness could not write its generated seeds" >&2
    echo "$dir"
}

failed=()
if [[ $mode == replay ]]; then
    for t in "${targets[@]}"; do
        [[ -d $here/regressions/$t ]] || continue
        for f in "$here/regressions/$t"/*; do
            [[ -f $f ]] || continue
            log="$work/replay.log"
            mkdir -p "$work"
            if EXPLICABLE_FUZZ_FRESH_STORE=1 EXPLICABLE_FUZZ_TARGET=$t "$bin" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -detect_leaks=0 \
                -runs=1 "$f" >"$log" 2>&1; then
                echo "ok       $t ${f#"$here"/}"
            else
                echo "FAILS    $t ${f#"$here"/}: $(grep -m1 -E 'ERROR: |Fatal error' "$log")"
                failed+=("$t:${f#"$here"/}")
            fi
        done
    done
    [[ ${#failed[@]} -eq 0 ]] && { echo "replay: all regressions pass"; exit 0; }
    echo "replay: ${#failed[@]} regression input(s) still fail" >&2
    exit 1
fi

echo "== fuzzing ${#targets[@]} target(s), ${seconds}s each; findings go to $artifacts/TARGET/"
printf '%-20s %6s %10s %8s %8s %8s  %s\n' target secs execs cov ft corpus result
for t in "${targets[@]}"; do
    seeds="$(seeds_for "$t")"
    corpus="$work/corpus/$t"
    out="$artifacts/$t"
    mkdir -p "$corpus" "$out"
    log="$out/fuzz.log"
    # shellcheck disable=SC2046
    EXPLICABLE_FUZZ_TARGET=$t nice -n 10 "$bin" "$corpus" "$seeds" \
        -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -detect_leaks=0 \
        -artifact_prefix="$out/" -print_final_stats=1 $(extra_flags "$t") >"$log" 2>&1
    rc=$?
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    execs="$(grep -m1 -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$')"
    [[ -z $execs ]] && execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")"
    cov="$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+')"
    ft="$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+')"
    corp="$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+')"
    result=ok
    if [[ $rc -ne 0 ]]; then
        what="$(grep -m1 -oE 'ERROR: (AddressSanitizer|libFuzzer): [a-z -]+|Fatal error: .*|out-of-memory|timeout after [0-9]+ seconds' "$log")"
        unit="$(grep -m1 -oE 'Test unit written to [^ ]+' "$log" | sed 's/Test unit written to //')"
        result="FINDING (${what:-exit $rc}) ${unit:-see $log}"
        failed+=("$t")
    fi
    printf '%-20s %6s %10s %8s %8s %8s  %s\n' "$t" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz: findings in ${failed[*]}; inputs and logs under $artifacts/" >&2
    exit 1
fi
echo "fuzz: no findings in ${#targets[@]} target(s)"
