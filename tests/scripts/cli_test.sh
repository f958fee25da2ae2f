#!/usr/bin/env bash
# mmm-server as a process: config errors with file:line:column and a non-zero exit,
# ${ENV:-default}, --check-config, --listen, and SIGTERM during a slow request.
# Usage: cli_test.sh PATH/TO/mmm-server
set -u
server=$1
bin=$(dirname "$server")
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
failures=0 passes=0
pass() { passes=$((passes + 1)); echo "ok   - $1"; }
fail() { failures=$((failures + 1)); echo "FAIL - $1"; }

# expect_config_error NAME YAML EXPECTED-STDERR-SUBSTRING
expect_config_error() {
  local name=$1 file="$work/$1.yaml"
  printf '%s\n' "$2" > "$file"
  local err status
  err=$("$server" --config "$file" --check-config 2>&1 >/dev/null); status=$?
  if [ "$status" -ne 0 ] && grep -qF -- "$3" <<<"$err"; then
    pass "$name: exit $status, '$err'"
  else
    fail "$name: exit $status, stderr '$err', expected '$3'"
  fi
}

expect_config_error unknown-key $'server:\n  listen: "127.0.0.1:0"\n  bogus: 1' \
  "$work/unknown-key.yaml:3:3: unknown key 'bogus'"
expect_config_error wrong-type $'log:\n  level: info\n  access: maybe' \
  "$work/wrong-type.yaml:3:11: expected a boolean (true or false), got 'maybe'"
expect_config_error missing-value $'plugins:\n  - enabled: true' \
  "$work/missing-value.yaml:2:5: missing required key 'name' (a string)"
expect_config_error unset-env $'server:\n  listen: "${MMM_CLI_TEST_UNSET}"' \
  "$work/unset-env.yaml:2:11: environment variable MMM_CLI_TEST_UNSET is not set"
expect_config_error bad-plugin $'plugins:\n  - name: nothere' \
  "cannot load plugin 'nothere'"
# A plugin's rate limits are checked by its schema: a negative count, an unknown limit.
expect_config_error negative-limit $'plugins:\n  - name: users\n  - name: chat\n    config:\n      rate_limits: {messages: {count: -1}}' \
  "negative-limit.yaml:5:39: expected a value from 0 to 1000000, got -1"
expect_config_error unknown-limit $'plugins:\n  - name: users\n  - name: chat\n    config:\n      rate_limits: {typing: {count: 5}}' \
  "unknown key 'typing'"
# Password hash memory is capped at 256 MiB per hash (each hash in flight holds it).
expect_config_error hash-memory $'plugins:\n  - name: users\n    config:\n      password_hash: {mem_limit_kib: 262145}' \
  "hash-memory.yaml:4:38: expected a value from 8 to 262144, got 262145"

# A valid file passes --check-config with exit 0, and names the plugins it would start.
cat > "$work/good.yaml" <<YAML
server: {listen: "\${MMM_CLI_LISTEN:-127.0.0.1:0}"}
web: {enabled: false}
store: {url: "sqlite:$work/good.db"}
log: {level: warn}
plugins:
  - name: hello
    config: {greeting: "\${MMM_CLI_GREETING:-Hello}"}
YAML
out=$("$server" --config "$work/good.yaml" --check-config 2>/dev/null); status=$?
[ "$status" -eq 0 ] && [ "$out" = "configuration OK (plugins: hello)" ] \
  && pass "--check-config on a valid file: exit 0, '$out'" || fail "--check-config valid: exit $status, '$out'"
# --check-config has no side effects: the SQLite store's folder is not created.
sed "s|sqlite:$work/good.db|sqlite:$work/fresh/data/mmm.db|" "$work/good.yaml" > "$work/fresh.yaml"
out=$("$server" --config "$work/fresh.yaml" --check-config 2>&1); status=$?
[ "$status" -eq 0 ] && [ ! -e "$work/fresh" ] && pass "--check-config creates no store folder" \
  || fail "--check-config side effects: exit $status, $(ls -d "$work/fresh" 2>&1), '$out'"
# A truncated plugin library is refused before it is mapped (dlopen would die of SIGBUS):
# exit 78 (EX_CONFIG) with the file named.
head -c "$(( $(stat -c %s "$bin/libmmm_hello.so") / 2 ))" "$bin/libmmm_hello.so" > "$work/libmmm_half.so"
sed "s|  - name: hello|  - name: hello\n    library: $work/libmmm_half.so|" "$work/good.yaml" > "$work/truncated.yaml"
err=$("$server" --config "$work/truncated.yaml" --check-config 2>&1 >/dev/null); status=$?
[ "$status" -eq 78 ] && [[ "$err" == *"$work/libmmm_half.so: truncated or damaged"* ]] \
  && pass "a truncated plugin library: exit 78, '$err'" || fail "a truncated plugin library: exit $status, '$err'"
# The embedded default serves web/ relative to the working directory: the repository root.
out=$(cd "$(dirname "$0")/../.." && "$server" --check-config 2>&1 >/dev/null) && pass "--check-config on the embedded default: exit 0" \
  || fail "--check-config on the embedded default: $out"
# The repository's config file works from any folder: its relative paths are its own.
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$(cd / && "$server" --config "$repo/config/mmm.yaml" --check-config 2>&1 >/dev/null) \
  && pass "config/mmm.yaml from /: --check-config exit 0" || fail "config/mmm.yaml from /: $out"
# The shipped production config is valid once its environment is given.
out=$(cd "$(dirname "$0")/../.." && MMM_STORE_URL=mysql://u:p@127.0.0.1:3306/mmm MMM_REDIS_URL=redis://127.0.0.1:6379/0 \
      MMM_SESSION_KEY=f202fa86728ddd26fc00089f1c4ff3ab755dbce3574ff1e936399f681f27f758 MMM_PUBLIC_ORIGIN=https://meetup.example MMM_WEB_ROOT="$repo/web" \
      "$server" --config config/production.yaml --check-config 2>&1 >/dev/null) \
  && pass "config/production.yaml passes --check-config" || fail "config/production.yaml: $out"
out=$(cd "$(dirname "$0")/../.." && MMM_STORE_URL=mysql://u:p@127.0.0.1:3306/mmm MMM_REDIS_URL=redis://127.0.0.1:6379/0 \
      MMM_SESSION_KEY=f202fa86728ddd26fc00089f1c4ff3ab755dbce3574ff1e936399f681f27f758 MMM_PUBLIC_ORIGIN=https://meetup.example MMM_WEB_ROOT="$repo/web" MMM_BUS_HOST=127.0.0.1 \
      "$server" --config config/cluster.yaml --check-config 2>&1 >/dev/null) \
  && pass "config/cluster.yaml passes --check-config" || fail "config/cluster.yaml: $out"
out=$(cd "$(dirname "$0")/../.." && "$server" --config config/production.yaml --check-config 2>&1)
line=$(grep -n 'public_url: "${MMM_PUBLIC_ORIGIN}"' "$(dirname "$0")/../../config/production.yaml" | cut -d: -f1)
[[ -n "$line" && "$out" == *"config/production.yaml:$line:15: environment variable MMM_PUBLIC_ORIGIN is not set"* ]] \
  && pass "config/production.yaml without its environment: $out" || fail "production.yaml without env: $out"
"$server" --config "$work/nonexistent.yaml" --check-config >/dev/null 2>&1 \
  && fail "a missing config file was accepted" || pass "a missing config file: non-zero exit"

# start_server YAML-FILE [ARGS…]: runs mmm-server, sets $port and $pid.
start_server() {
  local file=$1; shift
  : > "$work/out"  # emptied here, not by the background job's redirection, which may come late
  "$server" --config "$file" "$@" > "$work/out" 2> "$work/err" &
  pid=$!
  pids+=("$pid")
  port=""
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "server did not start:"; cat "$work/err"; return 1
}

# ${ENV:-default} substitutes the environment, and falls back to the default.
MMM_CLI_GREETING=Howdy start_server "$work/good.yaml" || exit 1
body=$(curl -s "http://127.0.0.1:$port/hello/env")
[ "$body" = '{"greeting":"Howdy, env!"}' ] && pass "\${MMM_CLI_GREETING} from the environment: $body" \
  || fail "env substitution: '$body'"
kill -TERM "$pid"; wait "$pid"
start_server "$work/good.yaml" || exit 1
body=$(curl -s "http://127.0.0.1:$port/hello/env")
[ "$body" = '{"greeting":"Hello, env!"}' ] && pass "\${MMM_CLI_GREETING:-Hello} default: $body" \
  || fail "env default: '$body'"
kill -TERM "$pid"; wait "$pid"

# A config file elsewhere, the server started from /: its web root, SQLite file and plugin
# library are found beside the file, not in the working directory.
mkdir -p "$work/site/web" "$work/site/plugins"
echo "<h1>beside the config</h1>" > "$work/site/web/index.html"
cp "$bin/libmmm_hello.so" "$work/site/plugins/"
cat > "$work/site/mmm.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
web: {root: web}
store: {url: "sqlite:state/mmm.db"}
log: {level: warn}
plugins:
  - name: hello
    library: plugins/libmmm_hello.so
YAML
cd / && start_server "$work/site/mmm.yaml" && cd - >/dev/null || exit 1
body=$(curl -s "http://127.0.0.1:$port/")
hello=$(curl -s "http://127.0.0.1:$port/hello/there")
kill -TERM "$pid"; wait "$pid"
[ "$body" = "<h1>beside the config</h1>" ] && [ -f "$work/site/state/mmm.db" ] && [ ! -e /state ] \
  && [ "$hello" = '{"greeting":"Hello, there!"}' ] \
  && pass "relative paths are the config file's: web root, SQLite file, plugin library" \
  || fail "relative paths: body '$body', hello '$hello', $(ls "$work/site/state" 2>&1)"

# log.format json: one JSON object per line, with the request id in access lines.
sed 's/^log: {level: warn}$/log: {level: info, format: json}/' "$work/good.yaml" > "$work/json.yaml"
start_server "$work/json.yaml" || exit 1
curl -s -o /dev/null -H 'X-Request-Id: json-log-check' "http://127.0.0.1:$port/healthz"
kill -TERM "$pid"; wait "$pid"
if grep -q '"msg":"json-log-check 127.0.0.1' "$work/err" && ! grep -qv '^{"time":"[0-9T:.-]*Z","level":"[a-z]*","logger":"[a-z-]*","thread":[0-9]*,"msg":".*"}$' "$work/err"; then
  pass "log.format json: every line is a JSON object; access lines carry the request id"
else
  fail "log.format json: $(head -3 "$work/err")"
fi

# --listen overrides the configured address.
free_port=$(( 20000 + RANDOM % 10000 ))
start_server "$work/good.yaml" --listen "127.0.0.1:$free_port" || exit 1
[ "$port" = "$free_port" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$free_port/healthz")" = 200 ] \
  && pass "--listen 127.0.0.1:$free_port is where it listens" || fail "--listen: got port $port"
kill -TERM "$pid"; wait "$pid"

# SIGTERM while a slow request runs: the request completes, new connections are refused,
# plugins stop, and the process exits 0.
cat > "$work/slow.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
web: {enabled: false}
store: {url: "sqlite:$work/slow.db"}
plugins:
  - name: alpha
    library: $bin/libmmm_alpha.so
    config: {trace_file: "$work/trace"}
YAML
start_server "$work/slow.yaml" || exit 1
curl -s -o "$work/slow-body" -w '%{http_code}' "http://127.0.0.1:$port/alpha/slow?ms=3000" > "$work/slow-status" &
curl_pid=$!
# SIGTERM only once the slow request is being handled (this one and /metrics in flight).
for _ in $(seq 1 100); do
  curl -s "http://127.0.0.1:$port/metrics" | grep -q '^mmm_http_requests_in_flight 2$' && break
  sleep 0.05
done
kill -TERM "$pid"
# New connections are refused while the slow request is still finishing.
code=0
for _ in $(seq 1 40); do
  curl -s -m 1 -o /dev/null "http://127.0.0.1:$port/healthz"; code=$?
  [ "$code" -eq 7 ] && break
  sleep 0.05
done
[ "$code" -eq 7 ] && pass "new connections are refused after SIGTERM (curl exit 7)" \
  || fail "a new connection after SIGTERM: curl exit $code, expected 7 (refused)"
wait "$curl_pid"
wait "$pid"; status=$?
[ "$(cat "$work/slow-status")" = 200 ] && [ "$(cat "$work/slow-body")" = done ] \
  && pass "the slow request in flight completed: 200 done" \
  || fail "slow request: $(cat "$work/slow-status") '$(cat "$work/slow-body")'"
[ "$status" -eq 0 ] && pass "exit status after SIGTERM: 0" || fail "exit status after SIGTERM: $status"
[ "$(cat "$work/trace")" = $'start alpha\nstop alpha' ] && pass "plugin stopped on SIGTERM" \
  || fail "plugin trace: $(cat "$work/trace")"

# Past a file-size limit (ulimit -f) SQLite's writes fail with EFBIG: the server answers 503,
# /readyz reports the store and /metrics counts it, instead of dying of SIGXFSZ.
cat > "$work/fsize.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
web: {enabled: false}
store: {url: "sqlite:$work/fsize/mmm.db"}
plugins:
  - name: alpha
    library: $bin/libmmm_alpha.so
    config: {use_store: true}
YAML
printf '#!/usr/bin/env bash\nulimit -f 512\nexec "%s" "$@"\n' "$server" > "$work/limited-server"
chmod +x "$work/limited-server"
real_server=$server; server=$work/limited-server
start_server "$work/fsize.yaml" || exit 1
server=$real_server
name=$(head -c 3000 /dev/zero | tr '\0' n)
code=201
for _ in $(seq 1 600); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/alpha/db/items?name=$name")
  [ "$code" = 201 ] || break
done
ready=$(curl -s "http://127.0.0.1:$port/readyz")
full=$(curl -s "http://127.0.0.1:$port/metrics" | sed -n 's/^mmm_store_full_errors_total //p')
if [ "$code" = 503 ] && kill -0 "$pid" 2>/dev/null && [[ "$ready" == *'"store":"unavailable"'* ]] && [ "${full:-0}" -ge 1 ] \
   && grep -q "out of space" "$work/err"; then
  pass "past the file-size limit: 503, alive, /readyz $ready, mmm_store_full_errors_total $full"
else
  fail "past the file-size limit: last answer $code, alive: $(kill -0 "$pid" 2>/dev/null && echo yes || echo no), /readyz '$ready', metric '$full'"
fi
kill -TERM "$pid" 2>/dev/null; wait "$pid"

# --grant-admin EMAIL (the users plugin's offline action): exit 0 and idempotent, exit 1
# for an unknown email, and it serves nothing. The user then has the admin role.
cat > "$work/users.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
web: {enabled: false}
store: {url: "sqlite:$work/users.db"}
log: {level: warn}
plugins:
  - name: users
    config: {password_hash: {ops_limit: 1, mem_limit_kib: 8}}
YAML
start_server "$work/users.yaml" || exit 1
curl -s -o /dev/null -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/users" \
  -d '{"email":"Boss@Example.org","password":"pw-secret-123","passwordConf":"pw-secret-123","userName":"boss","firstName":"B","lastName":"O"}'
kill -TERM "$pid"; wait "$pid"
out=$("$server" --config "$work/users.yaml" --grant-admin boss@example.org 2>"$work/grant-err"); status=$?
[ "$status" -eq 0 ] && [[ "$out" == "granted admin to user "* ]] && ! grep -q "listening" <<<"$out" \
  && pass "--grant-admin: exit 0, '$out'" || fail "--grant-admin: exit $status, '$out', $(cat "$work/grant-err")"
out=$("$server" --config "$work/users.yaml" --grant-admin Boss@example.org 2>/dev/null); status=$?
[ "$status" -eq 0 ] && [[ "$out" == "already an admin: user "* ]] \
  && pass "--grant-admin again: exit 0, '$out'" || fail "--grant-admin again: exit $status, '$out'"
err=$("$server" --config "$work/users.yaml" --grant-admin nobody@example.org 2>&1 >/dev/null); status=$?
[ "$status" -eq 1 ] && [[ "$err" == *"no user has the email 'nobody@example.org'"* ]] \
  && pass "--grant-admin unknown email: exit 1, '$err'" || fail "--grant-admin unknown email: exit $status, '$err'"
err=$("$server" --config "$work/users.yaml" --no-such-action x 2>&1 >/dev/null); status=$?
[ "$status" -eq 64 ] && [[ "$err" == *"unknown argument '--no-such-action'"* ]] \
  && pass "an action no plugin declares: exit 64" || fail "an action no plugin declares: exit $status, '$err'"
start_server "$work/users.yaml" || exit 1
token=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' "http://127.0.0.1:$port/v1/sessions" \
  -d '{"email":"boss@example.org","password":"pw-secret-123"}' | sed -n 's/^[Aa]uthorization: Bearer \([^\r]*\)\r*$/\1/p')
me=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/users/me")
[[ "$me" == *'"roles":["admin"]'* ]] && pass "the granted user's /v1/users/me: $me" || fail "after --grant-admin, /v1/users/me: '$me'"
kill -TERM "$pid"; wait "$pid"

# SIGHUP (an nginx habit) reloads the file and never takes the site down: an unchanged file
# changes nothing, a file broken since start is reported and changes nothing either.
# (reload_test.cpp tests what a reload changes.)
sed "s|log: {level: warn}|log: {level: info}|" "$work/good.yaml" > "$work/reload.yaml"
start_server "$work/reload.yaml" || exit 1
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'reload: ' "$work/err" && break; sleep 0.05; done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
echo "logging: {}" >> "$work/reload.yaml"  # an unknown key
kill -HUP "$pid"
for _ in $(seq 1 100); do grep -q 'does not load' "$work/err" && break; sleep 0.05; done
code2=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
if [ "$code" = 200 ] && [ "$code2" = 200 ] && grep -q 'reload: .*reload.yaml loads and changes nothing' "$work/err" \
   && grep -q "reload: .*reload.yaml does not load, so nothing changed: .*unknown key 'logging'" "$work/err"; then
  pass "SIGHUP: the server reloads, serves on, and says what it did"
else
  fail "SIGHUP: /healthz $code then $code2, log: $(grep reload: "$work/err")"
fi
kill -TERM "$pid"; wait "$pid"; status=$?
[ "$status" -eq 0 ] && pass "exit status after SIGHUP then SIGTERM: 0" || fail "exit status after SIGHUP, SIGTERM: $status"

# SIGINT too.
start_server "$work/good.yaml" || exit 1
kill -INT "$pid"; wait "$pid"; status=$?
[ "$status" -eq 0 ] && pass "exit status after SIGINT: 0" || fail "exit status after SIGINT: $status"

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
