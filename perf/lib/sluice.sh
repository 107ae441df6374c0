# Starts BIN serve on the data folder DATA (created; loopback, a free port) with the remaining arguments and
# waits for it; sets SLUICE_PID (the server's own pid), SLUICE_PORT, SLUICE_DATA and SLUICE_TOKEN (bootstrap).
sluice_serve() {
    local bin=$1
    SLUICE_DATA=$2
    shift 2
    mkdir -p "$SLUICE_DATA"
    "$bin" serve --data "$SLUICE_DATA" --listen 127.0.0.1:0 "$@" >"$SLUICE_DATA/stdout.log" 2>"$SLUICE_DATA/stderr.log" &
    for _ in $(seq 1 100); do
        [ -s "$SLUICE_DATA/sluice.port" ] && break
        sleep 0.1
    done
    SLUICE_PORT=$(cat "$SLUICE_DATA/sluice.port")
    # The server's own pid (the one `$!` names may be a shell wrapping it).
    SLUICE_PID=$(cat "$SLUICE_DATA/sluice.pid")
    SLUICE_TOKEN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$SLUICE_DATA/bootstrap-credentials.json")
}

# Builds (release) and starts Sluice on a fresh data folder; sets SLUICE_PORT, SLUICE_DATA, SLUICE_TOKEN.
# SLUICE_BIN set in the environment names a binary to start instead (nothing is built).
sluice_start() {
    local root
    if [ -z "${SLUICE_BIN:-}" ]; then
        root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
        (cd "$root" && swift build -c release --product sluice >/dev/null) || return 1
        SLUICE_BIN="$root/.build/release/sluice"
    fi
    sluice_serve "$SLUICE_BIN" "$(mktemp -d)" "$@"
}

# Stops the server and waits for it to exit.
sluice_kill() {
    kill "$SLUICE_PID" 2>/dev/null
    while kill -0 "$SLUICE_PID" 2>/dev/null; do sleep 0.1; done
}

sluice_stop() {
    sluice_kill
    rm -rf "$SLUICE_DATA"
}
