# Shared by scripts/run and scripts/test: install what is missing, then build.
# Sourced, not executed. Idempotent and quick when nothing changed.

MMM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MMM_BUILD_DIR=${MMM_BUILD_DIR:-$MMM_ROOT/build}

# Debian 12 packages needed to build and run the server.
MMM_BUILD_PACKAGES=(g++ make cmake pkg-config libboost-dev libpoco-dev libmariadb-dev libsodium-dev libspdlog-dev
  libyaml-cpp-dev libzmq3-dev cppzmq-dev libutf8proc-dev libhowardhinnant-date-dev tzdata)
# …and to run every test (private MariaDB and Redis instances, and a browser, included).
# (The emoji font: reactions in the browser's screenshots are drawn, not boxes.)
# (python3-icalendar: tests/support/ics_check.py parses the calendar feeds.)
# (debootstrap, dpkg-dev, systemd: the .deb built by cpack, installed into a bare Debian root,
# its dpkg-shlibdeps Depends, and systemd-analyze verify on its unit.)
MMM_TEST_PACKAGES=(libgtest-dev libgmock-dev curl mariadb-server mariadb-client redis-server redis-tools chromium
  fonts-noto-color-emoji clang libclang-rt-14-dev python3-icalendar debootstrap dpkg-dev systemd)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# ensure_packages PKG…: apt-get installs those not installed yet (as root, or through sudo).
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # Services are started by the test script, never by the package's own scripts.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ensure_node: Node.js and npm for the browser tests, from Debian unless the machine has
# them already (another Node.js package may ship its own npm, which Debian's would clash with).
ensure_node() {
  command -v node >/dev/null 2>&1 || ensure_packages nodejs
  command -v npm >/dev/null 2>&1 || ensure_packages npm
}

# ensure_browser_tests: playwright-core (never a downloaded browser) from the lock file,
# installed again only when the lock file changes.
ensure_browser_tests() {
  local dir="$MMM_ROOT/tests/browser"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing the browser tests' npm packages"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# build [CMAKE-ARGS…]: configures once (Release), then builds incrementally.
build() { build_in "$MMM_BUILD_DIR" Release "$@"; }

# build_in DIR BUILD-TYPE [CMAKE-ARGS…] [-- TARGET…]: configures DIR once, then builds it
# (the whole project, or the targets after "--"). ccache is used when the machine has it.
build_in() {
  local dir=$1 type=$2 args=() targets=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
  [ "${1:-}" = -- ] && { shift; targets=("$@"); }
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    log "configuring $dir ($type)"
    command -v ccache >/dev/null 2>&1 && args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    cmake -S "$MMM_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${args[@]}" >/dev/null
  fi
  log "building $dir${targets:+ (${targets[*]})}"
  # The build's own status: with pipefail a failed build fails the pipeline, and so does a
  # grep that had nothing to print; PIPESTATUS tells them apart (read it right here: the
  # next command replaces it).
  local - status=0
  set -o pipefail  # for this function only (local -): a caller's shell may not have it
  cmake --build "$dir" -j"${MMM_JOBS:-2}" ${targets:+--target "${targets[@]}"} -- --no-print-directory |
    grep -vE '^\[ *[0-9]+%\] (Built target|Building|Linking)' || status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then
    echo "build of $dir failed (status $status)" >&2
    return "$status"
  fi
}
