#!/usr/bin/env bash
# A short smoke run of the benchmark tools (never their figures): mmm-bench's subscriber,
# publisher and raw-TCP ceiling move 20 messages to 10 connections each, losing none; its
# idle HTTP holder, latency probe and slowloris client do what bench/run relies on; its
# musician seeder saves the profiles it says it saved, and the paths it writes find them.
# Every wait has a deadline, and every tool runs under `timeout`.
# Usage: bench_smoke.sh BIN-DIR
set -u
bin=$1
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
fail() { echo "FAIL - $1"; exit 1; }
# wait_for FILE PATTERN SECONDS
wait_for() {
  local deadline=$(( $(date +%s) + $3 ))
  until grep -q "$2" "$1" 2>/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "no '$2' in $1 after $3 s: $(cat "$1" 2>/dev/null)"
    sleep 0.05
  done
}
json() { sed -n "s/.*\"$2\":\(-\{0,1\}[0-9.]*\).*/\1/p" <<<"$1"; }

cat > "$work/mmm.yaml" <<YAML
server: {listen: "127.0.0.1:0", header_timeout_s: 2}
log: {level: warn, access: false}
web: {enabled: false}
store: {url: "sqlite:$work/bench.db"}
hub: {max_sockets_per_user: 0}  # one user holds every socket, as in bench/run
plugins:
  - name: users
    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}, rate_limits: {sign_ups: {count: 0}}}
  - name: chat
    config: {rate_limits: {messages: {count: 0}, channels: {count: 0}}}
  - name: musicians
YAML
"$bin/mmm-server" --config "$work/mmm.yaml" > "$work/out" 2> "$work/err" &
pids+=("$!")
for _ in $(seq 1 100); do port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out"); [ -n "$port" ] && break; sleep 0.05; done
[ -n "$port" ] || fail "mmm-server did not start: $(cat "$work/err")"
token=$(curl -s -m 10 -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"smoke@example.org","password":"smoke-password","passwordConf":"smoke-password","userName":"smoke"}' \
  "http://127.0.0.1:$port/v1/users" | sed -n 's/^Authorization: Bearer \(.*\)\r$/\1/p')
[ -n "$token" ] || fail "no token"

timeout 30 "$bin/mmm-bench" subscribe --port "$port" --path "/v1/ws?auth=Bearer%20$token" --connections 10 --expect 20 \
  --source 127.0.0.2 --timeout 20 > "$work/sub.out" &
sub=$!; pids+=("$sub")
wait_for "$work/sub.out" ready 10
timeout 20 "$bin/mmm-bench" publish --port "$port" --token "$token" --channel 1 --rate 200 --count 20 --size 100 > "$work/pub.out" \
  || fail "publish: $(cat "$work/pub.out")"
wait "$sub"
result=$(tail -1 "$work/sub.out")
[[ "$result" == *'"delivered":200,"lost":0,"duplicates":0,"gaps_or_reorders":0'* ]] || fail "WebSocket fan-out: $result"
echo "ok   - WebSocket fan-out: $result"

# --port 0: the ceiling binds a free port and says which (no port picked here, then taken).
timeout 30 "$bin/mmm-bench" raw-server --port 0 --connections 10 --rate 200 --count 20 --size 100 > "$work/raw.out" &
pids+=("$!")
wait_for "$work/raw.out" listening 10
rawport=$(json "$(head -1 "$work/raw.out")" listening)
timeout 30 "$bin/mmm-bench" subscribe --port "$rawport" --raw --connections 10 --expect 20 --timeout 20 > "$work/rawsub.out"
result=$(tail -1 "$work/rawsub.out")
[[ "$result" == *'"delivered":200,"lost":0,"duplicates":0,"gaps_or_reorders":0'* ]] || fail "raw ceiling: $result"
echo "ok   - raw-TCP ceiling: $result"

# http-idle: 20 connections, each after one answer, held until SIGTERM; none closed by the server.
timeout 30 "$bin/mmm-bench" http-idle --port "$port" --connections 20 --source 127.0.0.3 > "$work/idle.out" &
idle=$!; pids+=("$idle")
wait_for "$work/idle.out" ready 10
ready=$(head -1 "$work/idle.out")
[[ "$ready" == '{"ready":20,"failed":0,"non_200":0}' ]] || fail "http-idle: $ready"
# probe: a fresh client's sequential requests, on one connection and on one each.
result=$(timeout 30 "$bin/mmm-bench" probe --port "$port" --requests 50)
[[ "$result" == *'"requests":50,"ok":50,"non_200":0,"errors":0,"connections":1,'* ]] || fail "probe: $result"
echo "ok   - probe (keep-alive): $result"
result=$(timeout 30 "$bin/mmm-bench" probe --port "$port" --requests 20 --connect-each)
[[ "$result" == *'"requests":20,"ok":20,"non_200":0,"errors":0,"connections":20,'* ]] || fail "probe --connect-each: $result"
echo "ok   - probe (a connection each): $result"
kill "$idle"
wait "$idle"
result=$(tail -1 "$work/idle.out")
[[ "$result" == *'"held":20,"closed_by_server":0,'* ]] || fail "http-idle: $result"
echo "ok   - http-idle: $result"

# slowloris: 5 connections trickling a header; the server (header_timeout_s 2) answers 408 and closes each.
result=$(timeout 30 "$bin/mmm-bench" slowloris --port "$port" --connections 5 --interval-ms 200 --timeout 10 --source 127.0.0.4 | tail -1)
[[ "$result" == *'"connections":5,"failed":0,"closed":5,"still_open":0,"answered_408":5,'* ]] || fail "slowloris: $result"
min=$(json "$result" close_min_s); max=$(json "$result" close_max_s)
awk -v a="$min" -v b="$max" 'BEGIN { exit !(a >= 1.9 && b < 4) }' || fail "slowloris closes outside 1.9–4 s: $result"
echo "ok   - slowloris: $result"
# seed-musicians: 40 profiles through the API; a second run with the same seed signs in again.
result=$(timeout 60 "$bin/mmm-bench" seed-musicians --port "$port" --count 40 --connections 4 --paths "$work/paths")
[[ "$result" == '{"musicians":40,"failed":0,'* ]] || fail "seed-musicians: $result"
result=$(timeout 60 "$bin/mmm-bench" seed-musicians --port "$port" --count 40 --connections 4)
[[ "$result" == '{"musicians":40,"failed":0,'* ]] || fail "seed-musicians again: $result"
[ "$(wc -l < "$work/paths")" = 100 ] || fail "seed-musicians --paths: $(wc -l < "$work/paths") paths"
total=$(curl -s -m 10 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/musicians?limit=100" | grep -o '"updatedAt"' | wc -l)
[ "$total" = 40 ] || fail "seed-musicians: $total profiles listed, not 40"
near=0
while read -r path; do
  near=$(( near + $(curl -s -m 10 -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path&radiusKm=500" | grep -o '"distanceKm"' | wc -l) ))
done < "$work/paths"
[ "$near" -ge 1 ] || fail "seed-musicians: none found within 500 km of a city with the paths"
echo "ok   - seed-musicians: $result; $total listed, $near found near the cities by its paths"
echo "7 passed, 0 failed"
