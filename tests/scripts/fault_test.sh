#!/usr/bin/env bash
# Faults with real servers: mmm-server on private MariaDB and Redis instances of this test
# (password and database number included). Stopping either gives quick 503s and a
# /readyz that names it; starting it again heals the running server without a restart.
# Unreachable at start: a clear error and a non-zero exit, or a wait with backoff.
# Usage: fault_test.sh PATH/TO/mmm-server
set -u
server=$1
bin=$(dirname "$server")
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/services.sh"
work=$(mktemp -d /tmp/mmm-fault.XXXXXX)
chmod 755 "$work"
server_pids=()
cleanup() {
  for pid in "${server_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT
failures=0 passes=0
pass() { passes=$((passes + 1)); echo "ok   - $1"; }
fail() { failures=$((failures + 1)); echo "FAIL - $1"; }
check() { if eval "$2"; then pass "$1"; else fail "$1"; fi; }

start_mariadb "$work/mariadb" || exit 1
start_redis "$work/redis" --requirepass red-secret || exit 1
redis_url="redis://:red-secret@127.0.0.1:$MMM_TEST_REDIS_PORT/2"

write_config() {  # write_config FILE [EXTRA-STORE-KEYS]
  cat > "$1" <<YAML
server: {listen: "127.0.0.1:0", threads: 4}
web: {enabled: false}
log: {level: warn, access: false}
store: {url: "$MMM_TEST_MYSQL_URL", acquire_timeout_ms: 500${2:+, $2}}
sessions: {url: "$redis_url", signing_key: "8gL6hnKN3Sb8AAifHE/zq3VdvONXT/HpNjmfaB8n91g=", timeout_ms: 500}
plugins:
  - name: alpha
    library: $bin/libmmm_alpha.so
    config: {use_store: true}
YAML
}

# start_server CONFIG: sets $pid and $port; returns non-zero if it exits instead.
start_server() {
  : > "$work/out"  # emptied here, not by the background job's redirection, which may come late
  "$server" --config "$1" > "$work/out" 2> "$work/err" &
  pid=$!
  server_pids+=("$pid")
  port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out")
    [ -n "$port" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# http METHOD PATH: prints "STATUS SECONDS BODY"
http() {
  curl -s -m 5 -X "$1" -o "$work/body" -w '%{http_code} %{time_total}' "http://127.0.0.1:$port$2"
  echo " $(cat "$work/body")"
}
status_of() { http "$@" | cut -d' ' -f1; }
under_a_second() { awk -v t="$1" 'BEGIN { exit !(t < 1.0) }'; }

write_config "$work/mmm.yaml"
start_server "$work/mmm.yaml" || { echo "mmm-server did not start:"; cat "$work/err"; exit 1; }
first_pid=$pid

# --- all up
check "items can be created on MariaDB" '[ "$(status_of POST "/alpha/db/items?name=one")" = 201 ]'
token=$(curl -s -X POST "http://127.0.0.1:$port/alpha/sessions?state=hello")
check "a session lives in Redis (AUTH and SELECT 2 worked)" \
  '[ "$(http GET "/alpha/sessions/$token" | cut -d" " -f3)" = hello ] && [ "$(redis-cli -p $MMM_TEST_REDIS_PORT -a red-secret --no-auth-warning -n 2 dbsize)" = 1 ]'
check "/readyz is ready" '[ "$(http GET /readyz)" != "" ] && [ "$(status_of GET /readyz)" = 200 ]'

# --- MariaDB goes away
stop_mariadb
read -r status seconds body <<<"$(http GET /alpha/db/items/count)"
check "with MariaDB down, a request needing it answers 503 in ${seconds}s" \
  '[ "$status" = 503 ] && under_a_second "$seconds"'
check "…as problem+json: $body" '[[ "$body" == *"\"status\":503"* ]]'
read -r status seconds body <<<"$(http GET /readyz)"
check "/readyz says the store is down: $status $body" \
  '[ "$status" = 503 ] && [[ "$body" == *"\"store\":\"unavailable\""* ]] && [[ "$body" == *"\"sessions\":\"ok\""* ]]'
check "requests not needing MariaDB still work" '[ "$(status_of GET "/alpha/sessions/$token")" = 200 ]'
launch_mariadb || exit 1
for _ in $(seq 1 50); do [ "$(status_of GET /alpha/db/items/count)" = 200 ] && break; sleep 0.2; done
read -r status seconds body <<<"$(http GET /alpha/db/items/count)"
check "MariaDB back: the same server answers again, data intact: $status $body" \
  '[ "$status" = 200 ] && [ "$body" = "{\"count\":1}" ]'
check "…and writes work: $(http POST "/alpha/db/items?name=two")" '[ "$(status_of GET /alpha/db/items/count)" = 200 ] && [ "$(cat "$work/body")" = "{\"count\":2}" ]'
check "/readyz is ready again" '[ "$(status_of GET /readyz)" = 200 ]'

# --- Redis goes away
stop_redis
read -r status seconds body <<<"$(http GET "/alpha/sessions/$token")"
check "with Redis down, a request needing it answers 503 in ${seconds}s" \
  '[ "$status" = 503 ] && under_a_second "$seconds"'
read -r status seconds body <<<"$(http GET /readyz)"
check "/readyz says the session store is down: $status $body" \
  '[ "$status" = 503 ] && [[ "$body" == *"\"sessions\":\"unavailable\""* ]] && [[ "$body" == *"\"store\":\"ok\""* ]]'
check "requests not needing Redis still work" '[ "$(status_of POST "/alpha/db/items?name=three")" = 201 ]'
launch_redis || exit 1
for _ in $(seq 1 50); do [ "$(status_of POST "/alpha/sessions?state=again")" = 201 ] && break; sleep 0.2; done
token2=$(cat "$work/body")
check "Redis back: sessions work again without a restart" '[ "$(http GET "/alpha/sessions/$token2" | cut -d" " -f3)" = again ]'
check "/readyz is ready again" '[ "$(status_of GET /readyz)" = 200 ]'
check "it was the same process throughout" '[ "$pid" = "$first_pid" ] && kill -0 "$pid"'
kill -TERM "$pid"; wait "$pid"; status=$?
check "it still shuts down cleanly: exit $status" '[ "$status" = 0 ]'

# --- unreachable at start
stop_mariadb
start_time=$(date +%s.%N)
"$server" --config "$work/mmm.yaml" > "$work/out" 2> "$work/err"; status=$?
elapsed=$(awk -v a="$start_time" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check "MariaDB down at start: exit $status after ${elapsed}s: $(tail -1 "$work/err")" \
  '[ "$status" -ne 0 ] && grep -q "cannot reach the store at mysql://mmm:\*\*\*@127.0.0.1:$MMM_TEST_MYSQL_PORT/mmm_test" "$work/err"'
check "…and the password is not in the message" '! grep -q "mmm:mmm@" "$work/err"'

write_config "$work/wait.yaml" "connect_wait_s: 30"
: > "$work/out"
"$server" --config "$work/wait.yaml" > "$work/out" 2> "$work/err" &
pid=$!; server_pids+=("$pid")
sleep 1.5
check "with connect_wait_s it waits instead of exiting" 'kill -0 "$pid" && grep -q "retrying in" "$work/err"'
launch_mariadb || exit 1
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out"); [ -n "$port" ] && break; sleep 0.1
done
check "…and starts once MariaDB is up: $(http GET /alpha/db/items/count)" '[ -n "$port" ] && [ "$(status_of GET /alpha/db/items/count)" = 200 ]'
kill -TERM "$pid"; wait "$pid"

# --- MariaDB killed (SIGKILL) while clients write: what was answered 201 is there exactly once
write_config "$work/crash.yaml"
start_server "$work/crash.yaml" || { echo "mmm-server did not start:"; cat "$work/err"; exit 1; }
# writer N: POSTs names wN-1, wN-2, … until told to stop; records those answered 201, with
# the phase the request started in (before the kill, during the outage, after MariaDB is back).
echo before > "$work/phase"
writer() {
  local n=0 phase
  while [ ! -e "$work/stop" ]; do
    n=$((n + 1))
    phase=$(< "$work/phase")
    [ "$(curl -s -m 5 -X POST -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/alpha/db/items?name=w$1-$n")" = 201 ] &&
      echo "w$1-$n $phase" >> "$work/acknowledged.$1"
  done
}
writers=()
for w in 1 2 3 4; do writer "$w" & writers+=($!); done
sleep 1.2
echo during > "$work/phase"
kill -9 "$MMM_MARIADB_PID"; wait "$MMM_MARIADB_PID" 2>/dev/null; MMM_MARIADB_PID=""
sleep 0.5
launch_mariadb || exit 1
echo after > "$work/phase"
sleep 2  # however long the relaunch took on a busy machine, two seconds of writes after it
touch "$work/stop"
wait "${writers[@]}"
for _ in $(seq 1 50); do [ "$(status_of GET /alpha/db/items/names)" = 200 ] && break; sleep 0.2; done
cat "$work"/acknowledged.* 2>/dev/null | sort > "$work/acknowledged.phases"
cut -d' ' -f1 "$work/acknowledged.phases" | sort > "$work/acknowledged"
curl -s "http://127.0.0.1:$port/alpha/db/items/names" | grep '^w' | sort > "$work/stored"
before=$(grep -c ' before$' "$work/acknowledged.phases" || true)
after=$(grep -c ' after$' "$work/acknowledged.phases" || true)
check "writers got 201s before the kill ($before) and after MariaDB was back ($after)" \
  '[ "$before" -gt 0 ] && [ "$after" -gt 0 ]'
check "every name answered 201 is stored: $(comm -23 "$work/acknowledged" "$work/stored" | wc -l) missing" \
  '[ -z "$(comm -23 "$work/acknowledged" "$work/stored")" ]'
check "nothing is stored twice: $(uniq -d "$work/stored" | wc -l) duplicated" '[ -z "$(uniq -d "$work/stored")" ]'
check "the server lived through it" 'kill -0 "$pid"'
kill -TERM "$pid"; wait "$pid"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
