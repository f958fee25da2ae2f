#!/usr/bin/env bash
# The SDK as an outsider uses it: install the project into a prefix, build the examples
# against that prefix only (find_package(mmm)), load the out-of-tree hello plugin into
# mmm-server from YAML, and run the out-of-tree embedding example.
# Usage: sdk_install_test.sh BUILD-DIR SOURCE-DIR PATH/TO/mmm-server
set -eu
build=$1 source=$2 server=$3
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
# Only the copy of the examples, never the source tree's sdk/include, may be seen.
cp -r "$source/sdk/examples" "$work/examples"
cmake -S "$work/examples" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log"
if grep -q -- "$source/sdk/include" "$work/build/compile_commands.json"; then
  echo "FAIL: the out-of-tree build used the source tree's headers"; exit 1
fi
grep -q -- "-I$work/prefix/include\|-isystem $work/prefix/include" "$work/build/compile_commands.json" \
  || { echo "FAIL: the out-of-tree build did not use the installed headers"; exit 1; }
echo "ok   - examples built against the installed SDK in $work/prefix"

plugin="$work/build/hello_plugin/libmmm_hello.so"
cat > "$work/hello.yaml" <<YAML
server: {listen: "127.0.0.1:0"}
web: {enabled: false}
store: {url: "sqlite:$work/hello.db"}
plugins:
  - name: hello
    library: $plugin
    config: {greeting: "Bonjour"}
YAML
"$server" --config "$work/hello.yaml" > "$work/out" 2> "$work/err" &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/^mmm-server listening on port \([0-9]*\)$/\1/p' "$work/out")
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "FAIL: mmm-server did not start"; cat "$work/err"; exit 1; }
body=$(curl -s "http://127.0.0.1:$port/hello/world")
kill -TERM "$pid"; wait "$pid"; pid=""
[ "$body" = '{"greeting":"Bonjour, world!"}' ] || { echo "FAIL: hello plugin said '$body'"; exit 1; }
echo "ok   - mmm-server loaded the out-of-tree plugin from YAML: $body"

"$work/build/embed/mmm_embed_example"
echo "ok   - the out-of-tree embedding example ran two servers and stopped them"
