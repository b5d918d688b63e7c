#!/usr/bin/env bash
# Runs faultline's fuzz targets with AFL++ (through cargo-afl, on the stable toolchain).
#
#   bash fuzz/run.sh 600                 # every target for 10 minutes each, one after another
#   bash fuzz/run.sh 1800 trace flags    # these two for 30 minutes each
#
# Installs cargo-afl from crates.io on first use and builds AFL++ with it. Each target starts
# from its seed corpus (fuzz/corpus/TARGET, made from the repository's fixtures) and keeps its
# findings in fuzz/out/TARGET, so a second run resumes where the first stopped. At the end it
# prints, per target, the time fuzzed in all, the executions, and the crashes and hangs saved;
# a crash input replays with `fuzz/target/release/TARGET < FILE`.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(trace parquet shard flags zk_script population)

if ! cargo afl --version > /dev/null 2>&1; then
  cargo install cargo-afl --locked
fi
cargo afl config --build > /dev/null 2>&1 || true
cargo afl build --release --quiet

export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_AUTORESUME=1
export AFL_NO_AFFINITY=1
for target in "${TARGETS[@]}"; do
  mkdir -p "out/$target"
  echo "fuzzing $target for $SECONDS_EACH s"
  cargo afl fuzz -i "corpus/$target" -o "out/$target" -V "$SECONDS_EACH" -t 2000 \
    "target/release/$target" > "out/$target/log.txt" 2>&1 || {
    echo "afl-fuzz stopped with an error; see fuzz/out/$target/log.txt" >&2
    tail -20 "out/$target/log.txt" >&2
    exit 1
  }
done

printf '%-12s %10s %14s %8s %6s\n' target "fuzzed s" executions crashes hangs
for target in "${TARGETS[@]}"; do
  stats=out/$target/default/fuzzer_stats
  [ -f "$stats" ] || continue
  get() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$stats"; }
  printf '%-12s %10s %14s %8s %6s\n' "$target" "$(get run_time)" \
    "$(get execs_done)" "$(get saved_crashes)" "$(get saved_hangs)"
done
