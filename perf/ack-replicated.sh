#!/usr/bin/env bash
# What it measures: what `--ack-after replicated` costs against `--ack-after local` (issue 22: >= 0.5 x local's
# events/s with 1000-event requests), one gateway straight (no haproxy) on a 3-node nats-server -js cluster on
# loopback (perf/lib/nats-cluster.sh), for each stream replica count in REPLICAS and each target format in
# FORMATS, local and replicated alternating ROUNDS times. Every run starts on a fresh data folder (a copy of the
# same tokens.json), so no run waits behind the forwarding backlog an earlier one left. Forwarding is on in
# both modes. Per run: events/s, p50/p99 latency, and the CPU seconds of the gateway, of the three nats-servers
# and of the bench over the run (user + system from /proc/PID/stat), with the forwarder's mean message size.
# Then the ceiling: perf/lib/js-publish.c (libnats, async acks, 4096 in flight, a Nats-Msg-Id per message)
# publishes as many messages of the same size as the replicated run's forwarder sent into a fresh stream with the
# same replicas; its messages/s x 1000 is the most events/s any publisher of such messages reaches here.
# Env: BIN (default ../.build/release/sluice), ROUNDS (2), DURATION (s per run, 6), CONNECTIONS (bench, 32),
# REPLICAS ("3"), FORMATS ("wal ndjson"), FSYNC (always).
# How to read it: "replicated/local" per format and replica count; "ceiling" against replicated's events/s says
# how much of what JetStream takes here the forwarder reaches; the CPU columns say who has the two cores.
set -euo pipefail
cd "$(dirname "$0")"
BIN=${BIN:-$(cd .. && pwd)/.build/release/sluice}
ROUNDS=${ROUNDS:-2}
DURATION=${DURATION:-6}
CONNECTIONS=${CONNECTIONS:-32}
REPLICAS=${REPLICAS:-3}
FORMATS=${FORMATS:-wal ndjson}
FSYNC=${FSYNC:-always}
export PATH=/usr/sbin:$PATH
work=$(mktemp -d)
gw=""
cleanup() {
    [ -n "$gw" ] && kill -9 "$gw" 2>/dev/null || true
    bash lib/nats-cluster.sh stop "$work/nats" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cc -O2 -o "$work/js-publish" lib/js-publish.c $(pkg-config --cflags --libs libnats)
bash lib/nats-cluster.sh start "$work/nats" >/dev/null
urls=$(bash lib/nats-cluster.sh urls "$work/nats")
nats_pids=$(awk '{print $4}' "$work/nats/nodes")

"$BIN" serve --data "$work/template" --listen 127.0.0.1:0 >"$work/boot.log" 2>&1 &
boot=$!
for _ in $(seq 100); do [ -s "$work/template/sluice.port" ] && break; sleep 0.1; done
kill "$boot"; wait "$boot" || true
server_args=(); IFS=, read -r -a url_list <<<"$urls"; for u in "${url_list[@]}"; do server_args+=(--server "$u"); done
for r in $REPLICAS; do
    for f in $FORMATS; do
        "$BIN" forwarders add --data "$work/template" --name "$f$r" "${server_args[@]}" --stream "S_$f$r" \
            --subject-prefix "$f$r." --format "$f" >/dev/null
        "$BIN" forwarders create-stream --data "$work/template" --name "$f$r" --replicas "$r" --duplicate-window 600 >/dev/null
    done
done
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$work/template/bootstrap-credentials.json")

ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
metric() { # PORT NAME: the sum of that metric's samples
    curl -fsS "http://127.0.0.1:$1/metrics" | awk -v n="$2" '$1 ~ "^"n"[{ ]" || $1 == n {s += $2} END {print s + 0}'
}
hz=$(getconf CLK_TCK)

run() { # TARGET MODE: one bench run on a fresh data folder; prints a line, sets MEAN_SIZE
    local dir=$work/run
    rm -rf "$dir"; mkdir -p "$dir"; cp "$work/template/tokens.json" "$dir/"
    "$BIN" forwarders attach --data "$dir" --repo sandbox --target "$1" >/dev/null
    "$BIN" serve --data "$dir" --listen 127.0.0.1:0 --fsync "$FSYNC" --ack-after "$2" --replication-timeout 10 \
        >"$dir/serve.log" 2>&1 &
    for _ in $(seq 300); do grep -q "state=forwarding" "$dir/serve.log" 2>/dev/null && [ -s "$dir/sluice.port" ] && break; sleep 0.1; done
    gw=$(cat "$dir/sluice.pid")
    local port; port=$(cat "$dir/sluice.port")
    if [ -n "${RENICE:-}" ]; then
        for t in /proc/$gw/task/*; do grep -q sluice-forward "$t/comm" && renice -n "$RENICE" -p "$(basename "$t")" >/dev/null; done
    fi
    local g0 n0 out g1 n1 b0 b1
    g0=$(ticks "$gw"); n0=$(ticks $nats_pids); b0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    out=$("$BIN" bench --url "http://127.0.0.1:$port" --token "$token" --batch 1000 --connections "$CONNECTIONS" \
        --duration "$DURATION" --json --quiet)
    g1=$(ticks "$gw"); n1=$(ticks $nats_pids); b1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
    local records bytes
    records=$(metric "$port" sluice_forward_records_total); bytes=$(metric "$port" sluice_forward_bytes_total)
    MEAN_SIZE=$(( records > 0 ? bytes / records : 0 ))
    kill -9 "$gw"; while kill -0 "$gw" 2>/dev/null; do sleep 0.05; done; gw=""
    python3 - "$out" "$1" "$2" "$(( (g1 - g0) ))" "$(( (n1 - n0) ))" "$(( (b1 - b0) ))" "$hz" "$DURATION" "$MEAN_SIZE" <<'PY'
import json, sys
o = json.loads(sys.argv[1]); target, mode = sys.argv[2], sys.argv[3]
g, n, b, hz, d, size = (int(x) for x in sys.argv[4:10])
ok = sum(v for k, v in o["status"].items() if k.startswith("2"))
print(f"{target:8} {mode:10} {o['events_per_second']:>10,.0f} events/s  p50 {o['latency_ms']['p50']:7.1f} ms  "
      f"p99 {o['latency_ms']['p99']:7.1f} ms  CPU s gateway {g/hz:5.2f} nats {n/hz:5.2f} bench {b/hz:5.2f} "
      f"(of {2*d} s)  msg {size} B  status {o['status']}")
PY
}

echo "== --ack-after local vs replicated, 1000-event requests, $CONNECTIONS connections, --fsync $FSYNC, ${DURATION}s runs"
for r in $REPLICAS; do
    for f in $FORMATS; do
        for round in $(seq "$ROUNDS"); do
            run "$f$r" local
            run "$f$r" replicated
        done
        # The ceiling: a plain publisher with messages of the forwarder's size into a fresh stream of R$r.
        count=$(( MEAN_SIZE > 200000 ? 3000 : 10000 ))
        n0=$(ticks $nats_pids)
        read -r sent seconds < <("$work/js-publish" "$urls" "base$f$r.x" "$count" "$MEAN_SIZE" "BASE_$f$r" "$r")
        n1=$(ticks $nats_pids)
        python3 -c "print(f'$f$r     js-publish {$sent/$seconds:8,.0f} messages/s of $MEAN_SIZE B = {$sent/$seconds*1000:,.0f} events/s at 1000 per message; nats CPU {($n1-$n0)/$hz:.2f} s in {$seconds:.2f} s')"
    done
done
