#!/usr/bin/env bash
# The Debian packages on a bare Debian, as an operator installs them:
# - `cpack -G DEB` in the build folder makes mmm-server_<version>_<arch>.deb and
#   mmm-server-dev_…; their control data is checked (Depends, conffiles, maintainer scripts);
# - `systemd-analyze verify` passes on the unit, with the packaged files in place;
# - a minbase bookworm root (debootstrap from the mirror this machine's apt uses, kept as a
#   tarball in /var/cache/mmm-test so later runs take seconds) gets the package through
#   `apt-get install ./mmm-server_….deb`, which resolves the runtime Depends from the mirror;
# - the postinst's work: the mmm system user, /var/lib/mmm (mmm, 0750), /etc/mmm/secrets.env
#   with a random key (root:mmm, 0640, unreadable to others, kept by a reinstall, made anew by
#   dpkg-reconfigure once deleted);
# - mmm-server started there as mmm on the packaged /etc/mmm/mmm.yaml (on a free loopback
#   port): /readyz, /healthz, the web UI, a sign-up stored in /var/lib/mmm's SQLite and the
#   session it gives; READY=1, RELOADING=1 and READY=1 on SIGHUP, STOPPING=1 on a notify
#   socket as systemd's; SIGTERM exits 0;
# - mmm-server-dev builds sdk/examples/hello_plugin in the root, and the packaged server loads
#   it (MMM_DEB_TEST_DEV=0 skips this: it downloads g++, cmake and the -dev libraries);
# - an upgrade (this package with a higher version), then a removal and an installation
#   again, keep the operator's edited /etc/mmm/mmm.yaml, the key and the store: the stored
#   user signs in after each;
# - a purge removes the user, the key, /var/lib/mmm and /etc/mmm.
# Usage: deb_install_test.sh BUILD-DIR [SOURCE-DIR]  (as root, with the Debian mirror reachable)
set -eu
build=$(cd "$1" && pwd)
source_dir=$(cd "${2:-$(dirname "$0")/../..}" && pwd)

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP - deb_install_test.sh needs root (debootstrap, chroot, mount): nothing was tested"
  exit 0
fi
for tool in cpack:cmake dpkg-shlibdeps:dpkg-dev debootstrap:debootstrap systemd-analyze:systemd; do
  command -v "${tool%%:*}" >/dev/null 2>&1 ||
    { echo "FAIL - ${tool%%:*} is missing: apt-get install ${tool#*:} (./scripts/test does)"; exit 1; }
done

arch=$(dpkg --print-architecture)
cache=/var/cache/mmm-test
work=$(mktemp -d /tmp/mmm-deb-test.XXXXXX)
chmod 755 "$work"
root=$work/root
pids=()
cleanup() {
  set +e
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  # Never delete through a mount point: unmount first, and keep the folder if that fails.
  if mountpoint -q "$root/proc" 2>/dev/null && ! umount "$root/proc"; then
    umount -l "$root/proc" || { echo "warning: $root/proc is still mounted; $work is left"; return; }
  fi
  rm -rf "$work"
}
trap cleanup EXIT
passes=0
pass() { passes=$((passes + 1)); echo "ok   - $1"; }
fail() { echo "FAIL - $1"; exit 1; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

# --- The packages.
rm -f "$build"/mmm-server_*.deb "$build"/mmm-server-dev_*.deb
(cd "$build" && cpack -G DEB) > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
server_deb=$(ls "$build"/mmm-server_*_"$arch".deb)
dev_deb=$(ls "$build"/mmm-server-dev_*_"$arch".deb)
[ "$(echo "$server_deb" | wc -l)" = 1 ] && [ "$(echo "$dev_deb" | wc -l)" = 1 ] ||
  fail "expected one mmm-server and one mmm-server-dev package, got: $server_deb $dev_deb"
depends=$(dpkg-deb -f "$server_deb" Depends)
for needed in libc6 libstdc++6 libpoco libsodium libzmq5 libspdlog libyaml-cpp libsqlite3 tzdata; do
  grep -q "$needed" <<<"$depends" || fail "mmm-server's Depends lack $needed: $depends"
done
pass "$(basename "$server_deb"): Depends computed by dpkg-shlibdeps, with tzdata: $depends"
dpkg-deb -e "$server_deb" "$work/control"
[ "$(cat "$work/control/conffiles")" = /etc/mmm/mmm.yaml ] || fail "conffiles: $(cat "$work/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "the package has no executable $script"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
grep -qE "confmodule|db_(input|get|set|go)" "$work/control/postinst" && fail "the postinst uses debconf"
dpkg-deb -c "$server_deb" | awk '{print $6 ($7 ? " " $7 " " $8 : "")}' > "$work/files"
for file in ./usr/lib/mmm/mmm-server ./usr/lib/mmm/libmmm_users.so ./usr/lib/mmm/libmmm_meetups.so \
    ./usr/lib/mmm/libmmm_chat.so ./usr/lib/mmm/libmmm_musicians.so ./usr/share/mmm/web/index.html \
    ./etc/mmm/mmm.yaml ./usr/lib/systemd/system/mmm-server.service "./usr/bin/mmm-server -> ../lib/mmm/mmm-server"; do
  grep -qxF -- "$file" "$work/files" || fail "mmm-server lacks $file"
done
[ "$(dpkg-deb -f "$dev_deb" Depends | cut -d, -f1)" = "mmm-server (= $(dpkg-deb -f "$server_deb" Version))" ] ||
  fail "mmm-server-dev does not depend on its own mmm-server: $(dpkg-deb -f "$dev_deb" Depends)"
dpkg-deb -c "$dev_deb" > "$work/dev-files"
grep -q ' ./usr/include/mmm/mmm.hpp$' "$work/dev-files" || fail "mmm-server-dev lacks the headers"
grep -q ' ./usr/lib/cmake/mmm/mmmConfig.cmake$' "$work/dev-files" || fail "mmm-server-dev lacks the CMake package"
grep -q ' ./usr/lib/libmmm_core.a$' "$work/dev-files" || fail "mmm-server-dev lacks libmmm_core.a"
pass "control data: conffile /etc/mmm/mmm.yaml, postinst/prerm/postrm without debconf, the binary beside the plugins, the -dev package"

# --- The unit, checked with the packaged files in place (ExecStart must exist).
# (--root would look for sysinit.target and /bin/kill in that folder too: instead a copy of
# the unit whose ExecStart names the unpacked binary is verified against this machine's systemd.)
mkdir "$work/unpacked" "$work/unit"
dpkg-deb -x "$server_deb" "$work/unpacked"
unit=$work/unpacked/usr/lib/systemd/system/mmm-server.service
sed "s|^ExecStart=/usr/bin/mmm-server |ExecStart=$work/unpacked/usr/bin/mmm-server |" "$unit" > "$work/unit/mmm-server.service"
grep -q "^ExecStart=$work/unpacked/usr/bin/mmm-server " "$work/unit/mmm-server.service" || fail "the unit's ExecStart is not /usr/bin/mmm-server"
if ! verify=$(systemd-analyze verify "$work/unit/mmm-server.service" 2>&1) || [ -n "$verify" ]; then
  fail "systemd-analyze verify: $verify"
fi
for setting in Type=notify User=mmm StateDirectory=mmm NoNewPrivileges=yes ProtectSystem=strict \
    ProtectHome=yes PrivateTmp=yes ReadWritePaths=/var/lib/mmm SystemCallFilter=@system-service \
    'ExecReload=/bin/kill -HUP $MAINPID' Restart=on-failure EnvironmentFile=/etc/mmm/secrets.env; do
  grep -qxF -- "$setting" "$unit" || fail "the unit lacks $setting"
done
pass "systemd-analyze verify passes on mmm-server.service, which has the hardening asked for"

# --- A bare Debian: minbase bookworm from the mirror apt uses here, cached.
mirror=${MMM_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed 's/\[[^]]*\]//' | awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
fi
if [ -z "$mirror" ]; then
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^URIs:/ { uri = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm") { print uri; exit } }')
fi
mirror=${mirror:-http://deb.debian.org/debian}
tarball=$cache/bookworm-minbase-$arch.tar.gz
mkdir -p "$cache/archives" "$root"
if [ ! -f "$tarball" ]; then
  echo "# debootstrap --variant=minbase bookworm from $mirror (once; kept in $tarball)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log"; fail "debootstrap"; }
  (cd "$root" && tar -czf "$tarball.tmp" --numeric-owner .) && mv "$tarball.tmp" "$tarball"
else
  tar -xzf "$tarball" -C "$root" --numeric-owner
fi
echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
# Packages fetched by earlier runs are offered again (apt reuses those still current).
cp "$cache/archives/"*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
for node in null zero random urandom; do
  [ -c "$root/dev/$node" ] || fail "the root has no /dev/$node"
done
in_root apt-get update -qq > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update in the root"; }
pass "a minbase bookworm root from $mirror"

# --- Installation, with only the mirror to satisfy the Depends.
cp "$server_deb" "$dev_deb" "$root/tmp/"
if ! in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$server_deb")" > "$work/install.log" 2>&1; then
  tail -30 "$work/install.log"; fail "apt-get install ./$(basename "$server_deb") in the bare root"
fi
cp "$root/var/cache/apt/archives/"*.deb "$cache/archives/" 2>/dev/null || true
pass "apt-get install ./$(basename "$server_deb") in the bare root ($(grep -c '^Setting up' "$work/install.log") packages set up)"

account=$(in_root getent passwd mmm) || fail "no user mmm"
IFS=: read -r _ _ uid _ _ home shell <<<"$account"
[ "$uid" -lt 1000 ] && [ "$home" = /var/lib/mmm ] && [ "$shell" = /usr/sbin/nologin ] ||
  fail "mmm is not a system user without a login: $account"
[ "$(in_root stat -c '%U:%G %a' /var/lib/mmm)" = "mmm:mmm 750" ] ||
  fail "/var/lib/mmm is $(in_root stat -c '%U:%G %a' /var/lib/mmm)"
[ "$(in_root stat -c '%U:%G %a' /etc/mmm/secrets.env)" = "root:mmm 640" ] ||
  fail "/etc/mmm/secrets.env is $(in_root stat -c '%U:%G %a' /etc/mmm/secrets.env)"
key_line=$(grep '^MMM_SESSION_KEY=' "$root/etc/mmm/secrets.env")
grep -qxE 'MMM_SESSION_KEY=[0-9a-f]{64}' <<<"$key_line" || fail "the key is not 32 bytes of hex: ${key_line%%=*}=…"
in_root setpriv --reuid=nobody --regid=nogroup --clear-groups cat /etc/mmm/secrets.env >/dev/null 2>&1 &&
  fail "nobody can read /etc/mmm/secrets.env"
in_root setpriv --reuid=mmm --regid=mmm --init-groups cat /etc/mmm/secrets.env >/dev/null ||
  fail "mmm cannot read /etc/mmm/secrets.env"
[ "$(in_root readlink -f /usr/bin/mmm-server)" = /usr/lib/mmm/mmm-server ] || fail "/usr/bin/mmm-server is not a link to /usr/lib/mmm"
in_root dpkg-query -W -f='${Conffiles}' mmm-server | grep -q '/etc/mmm/mmm.yaml' || fail "dpkg does not list the conffile"
# A reinstallation (as an upgrade runs the scripts) keeps the key.
in_root apt-get install -y -q --reinstall "/tmp/$(basename "$server_deb")" > "$work/reinstall.log" 2>&1 ||
  { tail -20 "$work/reinstall.log"; fail "apt-get install --reinstall"; }
[ "$(grep '^MMM_SESSION_KEY=' "$root/etc/mmm/secrets.env")" = "$key_line" ] || fail "a reinstallation replaced the key"
# Deleted (to rotate it), it is made afresh by dpkg-reconfigure, as the README says.
rm "$root/etc/mmm/secrets.env"
in_root dpkg-reconfigure mmm-server > "$work/reconfigure.log" 2>&1 || { cat "$work/reconfigure.log"; fail "dpkg-reconfigure mmm-server"; }
new_key=$(grep '^MMM_SESSION_KEY=' "$root/etc/mmm/secrets.env") || fail "dpkg-reconfigure made no key"
grep -qxE 'MMM_SESSION_KEY=[0-9a-f]{64}' <<<"$new_key" && [ "$new_key" != "$key_line" ] ||
  fail "dpkg-reconfigure did not make a new random key"
[ "$(in_root stat -c '%U:%G %a' /etc/mmm/secrets.env)" = "root:mmm 640" ] || fail "the new key's file is not root:mmm 0640"
pass "postinst: system user mmm ($home, $shell), /var/lib/mmm mmm:mmm 0750, a random key in secrets.env root:mmm 0640 (not for nobody; kept on reinstall, made anew by dpkg-reconfigure once deleted)"

# --- The server, as mmm, on the packaged configuration, with a notify socket as systemd's.
# (Outside the root, the socket is $root/run/…; inside, /run/….)
notify_log=$work/notify.log
/usr/bin/python3 -u - "$root/run/mmm-notify.sock" "$notify_log" <<'PY' &
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)  # mmm sends to it
with open(log, "a") as out:
    out.write("bound\n"); out.flush()
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n"); out.flush()
PY
pids+=($!)
for _ in $(seq 1 100); do [ -s "$notify_log" ] && break; sleep 0.05; done
[ -s "$notify_log" ] || fail "the notify socket's listener did not start"

start_server() {  # start_server CONFIG [NOTIFY_SOCKET] ARGS…: as mmm, with the key from secrets.env as the unit reads it
  local config=$1 notify=$2
  shift 2
  chroot --userspec=mmm:mmm "$root" /usr/bin/env -i PATH=/usr/bin:/bin ${notify:+NOTIFY_SOCKET=$notify} \
    /bin/sh -c 'set -a; . /etc/mmm/secrets.env; set +a; exec /usr/bin/mmm-server "$@"' mmm-server \
    --config "$config" "$@" > "$work/out" 2> "$work/err" &
  pid=$!
  pids+=("$pid")
  port=""
  for _ in $(seq 1 200); do
    port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out")
    [ -n "$port" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$work/err"; fail "mmm-server did not start in the root with $config"; }
  url="http://127.0.0.1:$port"
}
stop_server() {  # SIGTERM, and the exit status must be 0
  kill -TERM "$pid"
  status=0
  wait "$pid" || status=$?
  [ "$status" -eq 0 ] || { tail -20 "$work/err"; fail "mmm-server exited $status on SIGTERM"; }
}

start_server /etc/mmm/mmm.yaml /run/mmm-notify.sock --listen 127.0.0.1:0
ready=""
for _ in $(seq 1 100); do
  ready=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$url/readyz") || true
  [ "$ready" = 200 ] && break
  sleep 0.1
done
[ "$ready" = 200 ] || fail "GET /readyz answered $ready"
[ "$(curl -s -m 5 "$url/healthz")" = '{"status":"ok"}' ] || fail "GET /healthz: $(curl -s -m 5 "$url/healthz")"
curl -s -m 5 "$url/" | grep -q '<title>Music Maker Meetup</title>' || fail "GET / is not the web UI"
pass "mmm-server serves in the root as mmm on /etc/mmm/mmm.yaml (port $port): /readyz 200, /healthz, the web UI from /usr/share/mmm/web"

signup=$(curl -s -m 30 -D "$work/signup.headers" -o "$work/signup.body" -w '%{http_code}' \
  -H 'Content-Type: application/json' "$url/v1/users" \
  -d '{"email":"deb@example.org","password":"packaged-and-run","passwordConf":"packaged-and-run","userName":"debian","firstName":"Deb","lastName":"Ian"}')
[ "$signup" = 201 ] || fail "POST /v1/users answered $signup: $(cat "$work/signup.body")"
token=$(sed -n 's/^Authorization: Bearer \([^[:space:]]*\).*/\1/Ip' "$work/signup.headers")
me=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/v1/users/me")
[ "$me" = 200 ] || fail "GET /v1/users/me with the sign-up's token answered $me"
[ "$(in_root stat -c '%U:%G' /var/lib/mmm/mmm.db)" = mmm:mmm ] || fail "no mmm.db of mmm's in /var/lib/mmm"
pass "a sign-up is stored in /var/lib/mmm/mmm.db (mmm:mmm) and its token opens /v1/users/me"

kill -HUP "$pid"
for _ in $(seq 1 100); do [ "$(grep -c . "$notify_log")" -ge 4 ] && break; sleep 0.05; done
kill -0 "$pid" 2>/dev/null || fail "SIGHUP stopped the server"
stop_server
for _ in $(seq 1 100); do [ "$(grep -c . "$notify_log")" -ge 5 ] && break; sleep 0.05; done
notified=$(tail -n +2 "$notify_log" | tr '\n' ' ')
[ "$notified" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] || fail "the notify socket got: $notified"
pass "notify socket: $notified(READY once serving, RELOADING/READY around SIGHUP, STOPPING at SIGTERM); exit 0"

# The same files, started again: the store survives, the user can sign in.
start_server /etc/mmm/mmm.yaml /run/mmm-notify.sock --listen 127.0.0.1:0
signin=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$url/v1/sessions" \
  -d '{"email":"deb@example.org","password":"packaged-and-run"}')
[ "$signin" = 201 ] || fail "signing in after a restart answered $signin"
stop_server
pass "after a restart the stored user signs in (201)"

# --- The SDK package: the hello plugin built against it in the root, loaded by the packaged server.
if [ "${MMM_DEB_TEST_DEV:-1}" != 0 ]; then
  started=$(date +%s)
  if ! in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$dev_deb")" > "$work/dev.log" 2>&1; then
    tail -30 "$work/dev.log"; fail "apt-get install ./$(basename "$dev_deb")"
  fi
  cp "$root/var/cache/apt/archives/"*.deb "$cache/archives/" 2>/dev/null || true
  cp -r "$source_dir/sdk/examples/hello_plugin" "$root/tmp/hello"
  # The example's own CMakeLists expects the examples' parent project: give it one line more.
  printf 'cmake_minimum_required(VERSION 3.16)\nproject(hello LANGUAGES CXX)\nset(CMAKE_CXX_STANDARD 17)\nfind_package(mmm REQUIRED)\n%s\n' \
    "$(cat "$root/tmp/hello/CMakeLists.txt")" > "$root/tmp/hello/CMakeLists.txt"
  if ! in_root sh -c 'cmake -S /tmp/hello -B /tmp/hello/build -DCMAKE_BUILD_TYPE=Release && cmake --build /tmp/hello/build -j2' \
      > "$work/hello.log" 2>&1; then
    tail -30 "$work/hello.log"; fail "building the hello plugin against mmm-server-dev"
  fi
  cat > "$root/tmp/hello.yaml" <<'YAML'
server: {listen: "127.0.0.1:0"}
web: {enabled: false}
store: {url: "sqlite:/var/lib/mmm/hello.db"}
sessions: {signing_key: "${MMM_SESSION_KEY}"}
plugins:
  - {name: hello, library: /tmp/hello/build/libmmm_hello.so, config: {greeting: "Hej"}}
YAML
  chmod 644 "$root/tmp/hello.yaml"
  start_server /tmp/hello.yaml ""
  body=$(curl -s -m 5 "http://127.0.0.1:$port/hello/world")
  stop_server
  [ "$body" = '{"greeting":"Hej, world!"}' ] || fail "the hello plugin said '$body'"
  pass "mmm-server-dev: hello_plugin built in the root against /usr/include and /usr/lib/cmake/mmm, loaded by the packaged server: $body ($(($(date +%s) - started)) s)"
else
  echo "skip - mmm-server-dev's build of the hello plugin (MMM_DEB_TEST_DEV=0)"
fi

# --- An upgrade, then a removal and an installation again: the operator's configuration,
# the key, the store and the user stay through each, and the server starts on them. (The
# next version is this package with a higher version number: the maintainer scripts run
# in their upgrade mode, which is what this checks; the -dev package, which needs this very
# version, goes first.)
if in_root dpkg-query -W mmm-server-dev >/dev/null 2>&1; then
  in_root apt-get remove -y -q mmm-server-dev > "$work/dev-remove.log" 2>&1 ||
    { tail -20 "$work/dev-remove.log"; fail "apt-get remove mmm-server-dev"; }
fi
printf '\n%s\n' "# The operator's own note: kept by upgrades." >> "$root/etc/mmm/mmm.yaml"
config_sum=$(sha256sum < "$root/etc/mmm/mmm.yaml")
version=$(dpkg-deb -f "$server_deb" Version)
dpkg-deb -R "$server_deb" "$work/next"
sed -i "s/^Version: .*/Version: $version+next1/" "$work/next/DEBIAN/control"
dpkg-deb -b "$work/next" "$root/tmp/mmm-server_next.deb" > /dev/null
signs_in() {  # signs_in WHAT: the server started on the packaged configuration; the stored user signs in
  start_server /etc/mmm/mmm.yaml "" --listen 127.0.0.1:0
  local code
  code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' "$url/v1/sessions" \
    -d '{"email":"deb@example.org","password":"packaged-and-run"}') || true  # the status check below says why
  stop_server
  [ "$code" = 201 ] || fail "signing in $1 answered $code"
}
kept() {  # kept WHAT: the operator's configuration, the key and the store are as they were
  [ "$(sha256sum < "$root/etc/mmm/mmm.yaml")" = "$config_sum" ] || fail "$1 changed the operator's /etc/mmm/mmm.yaml"
  [ "$(grep '^MMM_SESSION_KEY=' "$root/etc/mmm/secrets.env")" = "$new_key" ] || fail "$1 replaced the key"
  [ "$(in_root stat -c '%U:%G %a' /etc/mmm/secrets.env)" = "root:mmm 640" ] || fail "$1 changed the key's file"
  [ "$(in_root stat -c '%U:%G' /var/lib/mmm/mmm.db)" = mmm:mmm ] || fail "$1 lost /var/lib/mmm/mmm.db"
}
in_root apt-get install -y -q --no-install-recommends /tmp/mmm-server_next.deb > "$work/upgrade.log" 2>&1 ||
  { tail -20 "$work/upgrade.log"; fail "apt-get install of $version+next1 over $version"; }
[ "$(in_root dpkg-query -W -f='${Version}' mmm-server)" = "$version+next1" ] || fail "the upgrade did not install"
grep -q "Unpacking mmm-server ($version+next1) over ($version)" "$work/upgrade.log" ||
  fail "not an upgrade: $(grep -i unpacking "$work/upgrade.log")"
kept "the upgrade"
signs_in "after the upgrade"
pass "an upgrade ($version to $version+next1) keeps the operator's edited mmm.yaml, the key and the store; the user signs in"
in_root apt-get remove -y -q mmm-server > "$work/remove.log" 2>&1 || { tail -20 "$work/remove.log"; fail "apt-get remove mmm-server"; }
[ -e "$root/usr/lib/mmm/mmm-server" ] && fail "the removal left /usr/lib/mmm/mmm-server"
in_root getent passwd mmm >/dev/null || fail "the removal deleted the user mmm"
kept "the removal"
in_root apt-get install -y -q --no-install-recommends /tmp/mmm-server_next.deb > "$work/again.log" 2>&1 ||
  { tail -20 "$work/again.log"; fail "apt-get install after the removal"; }
kept "the installation after the removal"
signs_in "after the removal and the installation again"
pass "a removal keeps the configuration, the key, the store and the user mmm; installed again, the user signs in"

# --- Purge: what the postinst made is gone.
in_root apt-get purge -y -q mmm-server > "$work/purge.log" 2>&1 || { tail -20 "$work/purge.log"; fail "apt-get purge mmm-server"; }
in_root getent passwd mmm >/dev/null && fail "the purge left the user mmm"
in_root getent group mmm >/dev/null && fail "the purge left the group mmm"
for path in /var/lib/mmm /etc/mmm /usr/lib/mmm /usr/bin/mmm-server; do
  [ -e "$root$path" ] || [ -L "$root$path" ] && fail "the purge left $path"
done
pass "apt-get purge mmm-server removes the user and group mmm, /etc/mmm (key included), /var/lib/mmm, the files"

echo "$passes passed"
