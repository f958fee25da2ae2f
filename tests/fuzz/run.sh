#!/usr/bin/env bash
# Builds libFuzzer targets with clang (ASan + UBSan) and runs each for a while.
#   tests/fuzz/run.sh [SECONDS] [TARGET…]        (default: 30 s, every target)
#   MMM_FUZZ_RUNS=10000000 tests/fuzz/run.sh 0 http_parser   (a number of executions instead;
#   MMM_FUZZ_MAX_LEN caps the input size, 8192 by default; MMM_FUZZ_SANITIZE=undefined
#   builds without ASan, for long runs: the YAML target runs 4-5 times as fast without it)
# Targets: http_parser, ws_frame, router, tokens, plugin_input (request bodies into every
# plugin's input parsing), config (the YAML configuration with each bundled plugin's schema;
# it loads the built plugins from MMM_FUZZ_PLUGIN_DIR, by default $MMM_BUILD_DIR/bin or
# build/bin). The corpus in tests/fuzz/corpus/<target>/ is the seed; new inputs go to a
# scratch copy (MMM_FUZZ_DIR), so a run never changes the repository. Exits non-zero on a
# crash or sanitizer report (the input is kept there).
# ASan records no allocation stacks (malloc_context_size=0): unwinding on every malloc was half
# of the time of the YAML target. A report still names the bad access and its stack; for the
# allocation's, run the binary again on the kept input with ASAN_OPTIONS unset.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(http_parser ws_frame router tokens plugin_input config)
out=${MMM_FUZZ_DIR:-$(mktemp -d /tmp/mmm-fuzz.XXXXXX)}
mkdir -p "$out"
# NDEBUG as the server is built (Release): Boost 1.74's Beast has an assertion that fires on a
# valid byte sequence ("0\r\n" then one byte; boostorg/beast#2861, fixed upstream in 2024),
# while the code after it handles the case. The sanitizers stay on.
sanitize=${MMM_FUZZ_SANITIZE:-address,undefined}
flags=(-std=c++17 -O1 -g -DNDEBUG -fsanitize=fuzzer,"$sanitize" -fno-sanitize-recover=undefined
       -I"$root/core/src" -I"$root/sdk/include" -I"$root/plugins/users/src" -I"$root/plugins/chat/src"
       -I"$root/plugins/meetups/src" -DMMM_SOURCE_DIR="\"$root\""
       -DUSE_OS_TZDB=1 -DONLY_C_LOCALE=1 -DHAS_STRING_VIEW=1)  # as Debian's date-tz was built

sources_of() {  # TARGET → the sources and libraries it links
  case $1 in
    http_parser) echo "$root/core/src/http_parser.cpp" ;;
    ws_frame) echo "$root/core/src/ws_frame.cpp -lPocoFoundation" ;;
    router) echo "$root/core/src/router.cpp" ;;
    tokens) echo "$root/core/src/tokens.cpp -lsodium" ;;
    plugin_input)
      echo "$root/plugins/users/src/users_input.cpp $root/plugins/users/src/validation.cpp" \
           "$root/plugins/chat/src/chat_input.cpp $root/plugins/meetups/src/event_input.cpp" \
           "$root/plugins/meetups/src/event_search.cpp $root/plugins/meetups/src/recurrence.cpp" \
           "$root/plugins/meetups/src/ical.cpp -ldate-tz -lutf8proc -lPocoJSON -lPocoFoundation" ;;
    config)
      echo "$root/core/src/config.cpp $root/core/src/settings.cpp $root/core/src/client_ip.cpp" \
           "$root/core/src/tokens.cpp $root/core/src/store_impl.cpp $root/core/src/statement_cache.cpp" \
           "$root/core/src/mysql_statement_cache.cpp" \
           "$root/core/src/store_lock.cpp $root/core/src/session_store_impl.cpp $root/core/src/cpu_limit.cpp" \
           "$root/core/src/worker_pool.cpp" \
           "-lyaml-cpp -lsodium -lPocoDataSQLite -lPocoDataMySQL -lPocoData -lPocoRedis -lPocoNet -lmariadb" \
           "-lPocoFoundation -lspdlog -lfmt -lsqlite3 -ldl" ;;
    *) echo "unknown fuzz target '$1'" >&2; return 1 ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  read -r -a extra <<<"$(sources_of "$target")"
  binary="$out/${target}_fuzz"
  [ "$sanitize" = address,undefined ] || binary="$binary-${sanitize//,/-}"  # another build, another file
  # Rebuilt when the target, a source it links, a header beside one, an SDK header or this
  # script (its flags) is newer than the binary.
  deps=("$root/tests/fuzz/${target}_fuzz.cpp" "$root/tests/fuzz/run.sh" "$root"/sdk/include/mmm/*.hpp)
  for item in "${extra[@]}"; do
    [ -f "$item" ] && deps+=("$item" "$(dirname "$item")"/*.hpp)
  done
  newest=$( (ls -t "${deps[@]}" "$binary" 2>/dev/null || true) | head -1)
  if [ "$newest" != "$binary" ]; then
    echo "building ${target}_fuzz"
    clang++ "${flags[@]}" "$root/tests/fuzz/${target}_fuzz.cpp" "${extra[@]}" -o "$binary"
  fi
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  limit=(-max_total_time="$seconds")
  [ -n "${MMM_FUZZ_RUNS:-}" ] && limit=(-runs="$MMM_FUZZ_RUNS")
  if [ "$target" = config ]; then
    export MMM_FUZZ_PLUGIN_DIR=${MMM_FUZZ_PLUGIN_DIR:-${MMM_BUILD_DIR:-$root/build}/bin}
  fi
  echo "fuzzing $target (${MMM_FUZZ_RUNS:-$seconds s})"
  set +e
  ASAN_OPTIONS=${ASAN_OPTIONS:-malloc_context_size=0} "$binary" "${limit[@]}" -max_len="${MMM_FUZZ_MAX_LEN:-8192}" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/$target-" \
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
