# Private MariaDB and Redis instances for the tests: spare loopback ports, a temporary
# folder, no systemd, stopped by their own pids. Sourced by scripts/test and by tests that
# need instances of their own (the fault tests stop and restart them).

# free_port: a port below the ephemeral range (32768–60999) that nothing listens on.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# start_mariadb DIR: a new instance with database mmm_test and user mmm (password mmm);
# sets MMM_TEST_MYSQL_PORT and MMM_TEST_MYSQL_URL.
start_mariadb() {
  MMM_MARIADB_DIR=$1
  local user_args=()
  mkdir -p "$MMM_MARIADB_DIR/db" "$MMM_MARIADB_DIR/run"
  if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$MMM_MARIADB_DIR"
    chown -R mysql:mysql "$MMM_MARIADB_DIR/db" "$MMM_MARIADB_DIR/run"  # else: "Bind on unix socket: Permission denied"
    user_args=(--user=mysql)
  fi
  mariadb-install-db --no-defaults "${user_args[@]}" --datadir="$MMM_MARIADB_DIR/db" \
    --auth-root-authentication-method=normal --skip-test-db > "$MMM_MARIADB_DIR/install.log" 2>&1 \
    || { cat "$MMM_MARIADB_DIR/install.log"; return 1; }
  MMM_TEST_MYSQL_PORT=$(free_port)
  launch_mariadb || return 1
  mariadb --no-defaults -uroot --socket="$MMM_MARIADB_DIR/run/mysqld.sock" <<'SQL' || return 1
CREATE DATABASE mmm_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'mmm'@'127.0.0.1' IDENTIFIED BY 'mmm';
GRANT ALL PRIVILEGES ON *.* TO 'mmm'@'127.0.0.1';
SQL
  MMM_TEST_MYSQL_URL="mysql://mmm:mmm@127.0.0.1:$MMM_TEST_MYSQL_PORT/mmm_test"
  export MMM_TEST_MYSQL_PORT MMM_TEST_MYSQL_URL
}

# launch_mariadb: (re)starts the instance of start_mariadb on the same port and data.
launch_mariadb() {
  local user_args=()
  [ "$(id -u)" -eq 0 ] && user_args=(--user=mysql)
  mariadbd --no-defaults "${user_args[@]}" --datadir="$MMM_MARIADB_DIR/db" --port="$MMM_TEST_MYSQL_PORT" \
    --bind-address=127.0.0.1 --socket="$MMM_MARIADB_DIR/run/mysqld.sock" \
    --pid-file="$MMM_MARIADB_DIR/run/mysqld.pid" --log-error="$MMM_MARIADB_DIR/mysqld.err" \
    --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    > /dev/null 2>&1 &
  MMM_MARIADB_PID=$!
  for _ in $(seq 1 150); do
    mariadb-admin --no-defaults -uroot --socket="$MMM_MARIADB_DIR/run/mysqld.sock" ping >/dev/null 2>&1 && return 0
    kill -0 "$MMM_MARIADB_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "MariaDB did not start:"; tail -20 "$MMM_MARIADB_DIR/mysqld.err"; return 1
}

# start_redis DIR [REDIS-ARGS…]: sets MMM_TEST_REDIS_PORT and MMM_TEST_REDIS_URL.
start_redis() {
  MMM_REDIS_DIR=$1; shift
  MMM_REDIS_ARGS=("$@")
  mkdir -p "$MMM_REDIS_DIR"
  MMM_TEST_REDIS_PORT=$(free_port)
  launch_redis || return 1
  MMM_TEST_REDIS_URL="redis://127.0.0.1:$MMM_TEST_REDIS_PORT/0"
  export MMM_TEST_REDIS_PORT MMM_TEST_REDIS_URL
}

# launch_redis: (re)starts the instance of start_redis on the same port.
launch_redis() {
  rm -f "$MMM_REDIS_DIR/redis.pid"
  redis-server --port "$MMM_TEST_REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$MMM_REDIS_DIR/redis.pid" --dir "$MMM_REDIS_DIR" --logfile "$MMM_REDIS_DIR/redis.log" \
    --save "" --appendonly no "${MMM_REDIS_ARGS[@]}" || return 1
  for _ in $(seq 1 100); do
    if [ -s "$MMM_REDIS_DIR/redis.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$MMM_TEST_REDIS_PORT") 2>/dev/null; then
      MMM_REDIS_PID=$(cat "$MMM_REDIS_DIR/redis.pid")
      return 0
    fi
    sleep 0.05
  done
  echo "Redis did not start:"; tail -20 "$MMM_REDIS_DIR/redis.log"; return 1
}

# stop_pid PID: SIGTERM, wait up to 10 s, then SIGKILL.
stop_pid() {
  [ -n "${1:-}" ] || return 0
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

stop_mariadb() { stop_pid "${MMM_MARIADB_PID:-}"; MMM_MARIADB_PID=""; }
stop_redis() { stop_pid "${MMM_REDIS_PID:-}"; MMM_REDIS_PID=""; }
stop_services() { stop_mariadb; stop_redis; }
