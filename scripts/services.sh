# Private MariaDB and Redis instances for the tests: spare loopback ports, a temporary
# folder, no systemd, stopped by their own pids. Sourced by scripts/test.

# free_port: a port below the ephemeral range (32768–60999) that nothing listens on.
free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 12000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# start_mariadb DIR: sets MMM_TEST_MYSQL_PORT and MMM_TEST_MYSQL_URL.
start_mariadb() {
  local dir=$1 user_args=()
  mkdir -p "$dir/db" "$dir/run"
  if [ "$(id -u)" -eq 0 ]; then
    chmod 755 "$dir"
    chown -R mysql:mysql "$dir/db" "$dir/run"  # else: "Bind on unix socket: Permission denied"
    user_args=(--user=mysql)
  fi
  mariadb-install-db --no-defaults "${user_args[@]}" --datadir="$dir/db" \
    --auth-root-authentication-method=normal --skip-test-db > "$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; return 1; }
  MMM_TEST_MYSQL_PORT=$(free_port)
  mariadbd --no-defaults "${user_args[@]}" --datadir="$dir/db" --port="$MMM_TEST_MYSQL_PORT" \
    --bind-address=127.0.0.1 --socket="$dir/run/mysqld.sock" --pid-file="$dir/run/mysqld.pid" \
    --log-error="$dir/mysqld.err" --skip-name-resolve --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_unicode_ci > /dev/null 2>&1 &
  MMM_MARIADB_PID=$!
  for _ in $(seq 1 100); do
    mariadb-admin --no-defaults -uroot --socket="$dir/run/mysqld.sock" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb --no-defaults -uroot --socket="$dir/run/mysqld.sock" <<'SQL' || { cat "$dir/mysqld.err"; return 1; }
CREATE DATABASE mmm_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'mmm'@'127.0.0.1' IDENTIFIED BY 'mmm';
GRANT ALL PRIVILEGES ON *.* TO 'mmm'@'127.0.0.1';
SQL
  MMM_TEST_MYSQL_URL="mysql://mmm:mmm@127.0.0.1:$MMM_TEST_MYSQL_PORT/mmm_test"
  export MMM_TEST_MYSQL_PORT MMM_TEST_MYSQL_URL
}

# start_redis DIR: sets MMM_TEST_REDIS_PORT and MMM_TEST_REDIS_URL.
start_redis() {
  local dir=$1
  mkdir -p "$dir"
  MMM_TEST_REDIS_PORT=$(free_port)
  redis-server --port "$MMM_TEST_REDIS_PORT" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" --save "" --appendonly no
  for _ in $(seq 1 100); do
    [ "$(redis-cli -p "$MMM_TEST_REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.05
  done
  [ "$(redis-cli -p "$MMM_TEST_REDIS_PORT" ping 2>/dev/null)" = PONG ] || { cat "$dir/redis.log"; return 1; }
  MMM_REDIS_PID=$(cat "$dir/redis.pid")
  MMM_TEST_REDIS_URL="redis://127.0.0.1:$MMM_TEST_REDIS_PORT/0"
  export MMM_TEST_REDIS_PORT MMM_TEST_REDIS_URL
}

stop_services() {
  for pid in ${MMM_MARIADB_PID:-} ${MMM_REDIS_PID:-}; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
