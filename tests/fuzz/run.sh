#!/usr/bin/env bash
# Builds libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#   tests/fuzz/run.sh [SECONDS] [TARGET…]        (default: 30 s, every target)
#   MMM_FUZZ_RUNS=10000000 tests/fuzz/run.sh 0 http_parser   (a number of executions instead;
#   MMM_FUZZ_MAX_LEN caps the input size, 8192 by default)
# Targets: http_parser, ws_frame, router, tokens. The corpus in tests/fuzz/corpus/<target>/
# is the seed; new inputs go to a scratch copy (MMM_FUZZ_DIR), so a run never changes the
# repository. Exits non-zero on a crash or sanitizer report (the input is kept there).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http_parser ws_frame router tokens)
out=${MMM_FUZZ_DIR:-$(mktemp -d /tmp/mmm-fuzz.XXXXXX)}
mkdir -p "$out"
# NDEBUG as the server is built (Release): Boost 1.74's Beast has an assertion that fires on a
# valid byte sequence ("0\r\n" then one byte; boostorg/beast#2861, fixed upstream in 2024),
# while the code after it handles the case. The sanitizers stay on.
flags=(-std=c++17 -O1 -g -DNDEBUG -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/core/src" -I"$root/sdk/include")

sources_of() {  # TARGET → the sources and libraries it links
  case $1 in
    http_parser) echo "$root/core/src/http_parser.cpp" ;;
    ws_frame) echo "$root/core/src/ws_frame.cpp -lPocoFoundation" ;;
    router) echo "$root/core/src/router.cpp" ;;
    tokens) echo "$root/core/src/tokens.cpp -lsodium" ;;
    *) echo "unknown fuzz target '$1'" >&2; return 1 ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  read -r -a extra <<<"$(sources_of "$target")"
  binary="$out/${target}_fuzz"
  newest=$( (ls -t "$root/tests/fuzz/${target}_fuzz.cpp" "${extra[0]}" "$root/tests/fuzz/run.sh" "$binary" 2>/dev/null || true) | head -1)
  if [ "$newest" != "$binary" ]; then
    echo "building ${target}_fuzz"
    clang++ "${flags[@]}" "$root/tests/fuzz/${target}_fuzz.cpp" "${extra[@]}" -o "$binary"
  fi
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  limit=(-max_total_time="$seconds")
  [ -n "${MMM_FUZZ_RUNS:-}" ] && limit=(-runs="$MMM_FUZZ_RUNS")
  echo "fuzzing $target (${MMM_FUZZ_RUNS:-$seconds s})"
  set +e
  "$binary" "${limit[@]}" -max_len="${MMM_FUZZ_MAX_LEN:-8192}" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/$target-" \
    -print_final_stats=1 "$corpus" > "$out/$target.log" 2>&1
  rc=$?
  set -e
  grep -a -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec)|==ERROR|^SUMMARY|runtime error" \
    "$out/$target.log" || true
  if [ $rc -ne 0 ]; then
    echo "$target: libFuzzer exited $rc; see $out/$target.log and $out/$target-*" >&2
    tail -40 "$out/$target.log" >&2
    status=1
  fi
done
exit $status
