#!/usr/bin/env bash
# scripts/seed-demo against a running mmm-server: the demo musicians it says it made are in
# the directory, near the city, with instruments and genres; a second run changes nothing.
# Usage: seed_demo_test.sh MMM-SERVER
set -u
server=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL - $1"; exit 1; }
cat > "$work/mmm.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
log: {level: warn}
web: {enabled: false}
store: {url: "sqlite:$work/mmm.db"}
plugins:
  - name: users
    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}, rate_limits: {sign_ups: {count: 0}}}
  - name: musicians
YAML
"$server" --config "$work/mmm.yaml" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 1 100); do port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out"); [ -n "$port" ] && break; sleep 0.05; done
[ -n "$port" ] || fail "mmm-server did not start: $(cat "$work/err")"
url=http://127.0.0.1:$port
out=$(timeout 120 "$root/scripts/seed-demo" --url "$url" --count 12 2>&1) || fail "seed-demo: $out"
[[ "$out" == "seed-demo: 12 demo musicians at $url"* ]] || fail "seed-demo said: $out"
echo "ok   - $out"
token=$(curl -s -m 10 -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"email":"demo-3@example.org","password":"demo-password"}' "$url/v1/sessions" | sed -n 's/^Authorization: Bearer \(.*\)\r$/\1/p')
[ -n "$token" ] || fail "cannot sign in as demo-3@example.org"
list() { curl -s -m 10 -H "Authorization: Bearer $token" "$url/v1/musicians?$1"; }
count() { grep -o '"updatedAt":"' | wc -l; }
[ "$(list 'limit=100' | count)" = 12 ] || fail "not 12 musicians listed: $(list 'limit=100')"
[ "$(list 'limit=100&near=47.62,-122.34&radiusKm=30' | count)" = 12 ] || fail "not all 12 within 30 km of Seattle"
[ "$(list 'limit=100' | grep -o '"instruments":\[{"slug"' | wc -l)" = 12 ] || fail "a demo musician has no instrument"
first=$(list 'limit=100' | sed 's/"updatedAt":"[^"]*"//g')
out=$(timeout 120 "$root/scripts/seed-demo" --url "$url" --count 12 2>&1) || fail "seed-demo again: $out"
again=$(list 'limit=100' | sed 's/"updatedAt":"[^"]*"//g')
[ "$(list 'limit=100' | count)" = 12 ] || fail "a second run made more musicians"
[ "$(tr ',' '\n' <<<"$first" | sort)" = "$(tr ',' '\n' <<<"$again" | sort)" ] || fail "a second run changed the profiles"
echo "ok   - a second run signs in again and saves the same profiles"
out=$(timeout 60 "$root/scripts/seed-demo" --url "$url" --count 3 --around "59.33,18.07,Stockholm" 2>&1) || fail "--around: $out"
[ "$(list 'limit=100&near=59.33,18.07&radiusKm=15' | count)" = 3 ] || fail "--around did not move 3 musicians to Stockholm"
echo "ok   - --around places them around another city"
"$root/scripts/seed-demo" --count 0 >/dev/null 2>&1 && fail "--count 0 accepted"
echo "ok   - a bad --count is refused"
echo "4 passed, 0 failed"
