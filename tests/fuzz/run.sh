#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags…]      (default 30 s per target)
# The corpus in tests/fuzz/corpus/<target>/ is the seed; new inputs go to a scratch copy,
# so a run never changes the repository. Exits non-zero on a crash or sanitizer report.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
shift || true
out=${MMM_FUZZ_DIR:-$(mktemp -d /tmp/mmm-fuzz.XXXXXX)}
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/core/src" -I"$root/sdk/include")

build_target() {  # NAME SOURCES…
  local name=$1
  shift
  [ "$out/$name" -nt "$root/tests/fuzz/$name.cpp" ] && [ "$out/$name" -nt "$root/core/src/http_parser.cpp" ] && return 0
  echo "building $name"
  clang++ "${flags[@]}" "$@" -o "$out/$name"
}

run_target() {  # NAME
  local name=$1
  local corpus="$out/corpus-$name"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$name/"* "$corpus/" 2>/dev/null || true
  echo "fuzzing $name for $seconds s"
  "$out/$name" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$out/$name-" -print_final_stats=1 "$@" "$corpus" 2>&1 |
    grep -E "(DONE|^Done [0-9]+ runs|^stat::number_of_executed_units|^INFO: Running|==ERROR|^SUMMARY|runtime error)" || true
  return "${PIPESTATUS[0]}"
}

build_target http_parser_fuzz "$root/tests/fuzz/http_parser_fuzz.cpp" "$root/core/src/http_parser.cpp"
run_target http_parser_fuzz "$@"
