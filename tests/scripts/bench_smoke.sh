#!/usr/bin/env bash
# A short smoke run of the benchmark tools (never their figures): mmm-bench's subscriber,
# publisher and raw-TCP ceiling move 20 messages to 10 connections each, losing none.
# Usage: bench_smoke.sh BIN-DIR
set -u
bin=$1
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
fail() { echo "FAIL - $1"; exit 1; }

cat > "$work/mmm.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
log: {level: warn, access: false}
web: {enabled: false}
store: {url: "sqlite:$work/bench.db"}
plugins:
  - name: users
    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}}
  - name: chat
YAML
"$bin/mmm-server" --config "$work/mmm.yaml" > "$work/out" 2> "$work/err" &
pids+=("$!")
for _ in $(seq 1 100); do port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out"); [ -n "$port" ] && break; sleep 0.05; done
[ -n "$port" ] || fail "mmm-server did not start: $(cat "$work/err")"
token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"smoke@example.org","password":"smoke-password","passwordConf":"smoke-password","userName":"smoke"}' \
  "http://127.0.0.1:$port/v1/users" | sed -n 's/^Authorization: Bearer \(.*\)\r$/\1/p')
[ -n "$token" ] || fail "no token"

"$bin/mmm-bench" subscribe --port "$port" --path "/v1/ws?auth=Bearer%20$token" --connections 10 --expect 20 \
  --source 127.0.0.2 --timeout 20 > "$work/sub.out" &
sub=$!
until grep -q ready "$work/sub.out" 2>/dev/null; do sleep 0.05; done
"$bin/mmm-bench" publish --port "$port" --token "$token" --channel 1 --rate 200 --count 20 --size 100 > "$work/pub.out" \
  || fail "publish: $(cat "$work/pub.out")"
wait "$sub"
result=$(tail -1 "$work/sub.out")
[[ "$result" == *'"delivered":200,"lost":0,"duplicates":0,"gaps_or_reorders":0'* ]] || fail "WebSocket fan-out: $result"
echo "ok   - WebSocket fan-out: $result"

rawport=$(( 20000 + RANDOM % 10000 ))
"$bin/mmm-bench" raw-server --port "$rawport" --connections 10 --rate 200 --count 20 --size 100 > "$work/raw.out" &
pids+=("$!")
until grep -q listening "$work/raw.out" 2>/dev/null; do sleep 0.05; done
"$bin/mmm-bench" subscribe --port "$rawport" --raw --connections 10 --expect 20 --timeout 20 > "$work/rawsub.out"
result=$(tail -1 "$work/rawsub.out")
[[ "$result" == *'"delivered":200,"lost":0,"duplicates":0,"gaps_or_reorders":0'* ]] || fail "raw ceiling: $result"
echo "ok   - raw-TCP ceiling: $result"
echo "2 passed, 0 failed"
