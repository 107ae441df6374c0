#!/usr/bin/env bash
# A 3-node nats-server -js cluster on loopback with temporary stores, for forwarding tests into R3 streams.
#   nats-cluster.sh start DIR          starts n1..n3 under DIR; prints "name client-port monitor-port pid" per node
#                                      and writes the same lines to DIR/nodes
#   nats-cluster.sh urls DIR           the client URLs, comma-separated (for `sluice forwarders add --server`)
#   nats-cluster.sh leader DIR STREAM  waits (30 s) until STREAM has a leader and prints its node name
#   nats-cluster.sh kill DIR NAME      SIGKILLs one node
#   nats-cluster.sh restart DIR NAME   starts a killed node again on its ports and store
#   nats-cluster.sh stop DIR           stops every node and removes DIR
set -euo pipefail
export PATH=/usr/sbin:/usr/local/bin:$PATH

free_ports() { # N free loopback ports
    python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks: s.close()
PY
}

node_field() { awk -v n="$2" -v f="$3" '$1 == n { print $f }' "$1/nodes"; }

launch() { # DIR NAME: starts a node from DIR/NAME.args, records its pid
    local dir=$1 name=$2
    # The node keeps no descriptor beyond 0-2: an inherited pipe would keep a caller reading our output waiting.
    (
        for fd in $(ls /proc/$BASHPID/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
        # shellcheck disable=SC2046
        exec nats-server $(cat "$dir/$name.args") </dev/null >>"$dir/$name.log" 2>&1
    ) &
    echo $! >"$dir/$name.pid"
}

wait_accepting() { # PORT
    for _ in $(seq 300); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nats-server did not open port $1" >&2; return 1
}

case ${1:-} in
start)
    dir=$2; mkdir -p "$dir"; : >"$dir/nodes"
    read -r -a ports <<<"$(free_ports 9)"
    routes="nats://127.0.0.1:${ports[3]},nats://127.0.0.1:${ports[4]},nats://127.0.0.1:${ports[5]}"
    for i in 0 1 2; do
        name=n$((i + 1)); mkdir -p "$dir/$name"
        echo "-a 127.0.0.1 -p ${ports[$i]} -m ${ports[$((i + 6))]} -js -sd $dir/$name --server_name $name" \
             "--cluster_name sluice --cluster nats://127.0.0.1:${ports[$((i + 3))]} --routes $routes" >"$dir/$name.args"
        launch "$dir" "$name"
        echo "$name ${ports[$i]} ${ports[$((i + 6))]} $(cat "$dir/$name.pid")" >>"$dir/nodes"
    done
    for i in 0 1 2; do wait_accepting "${ports[$i]}"; done
    # JetStream is usable once the meta group has a leader.
    for _ in $(seq 300); do
        if curl -fsS "http://127.0.0.1:${ports[6]}/jsz" 2>/dev/null | grep -q '"meta_cluster"' &&
           curl -fsS "http://127.0.0.1:${ports[6]}/jsz" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("meta_cluster",{}).get("leader") else 1)'; then
            cat "$dir/nodes"; exit 0
        fi
        sleep 0.1
    done
    echo "the cluster elected no meta leader" >&2; exit 1 ;;
urls)
    awk '{ printf "%snats://127.0.0.1:%s", (NR > 1 ? "," : ""), $2 } END { print "" }' "$2/nodes" ;;
leader)
    dir=$2 stream=$3
    # A node's own view names it the leader: the survivors' views name a killed leader until they elect anew.
    for _ in $(seq 300); do
        while read -r name _ monitor _; do
            leader=$(curl -fsS "http://127.0.0.1:$monitor/jsz?accounts=true&streams=true" 2>/dev/null | python3 -c '
import json, sys
for account in json.load(sys.stdin).get("account_details", []):
    for stream in account.get("stream_detail", []):
        if stream["name"] == sys.argv[1] and stream.get("cluster", {}).get("leader"):
            print(stream["cluster"]["leader"])
' "$stream" 2>/dev/null || true)
            if [ "$leader" = "$name" ]; then echo "$leader"; exit 0; fi
        done <"$dir/nodes"
        sleep 0.1
    done
    echo "stream $stream has no leader" >&2; exit 1 ;;
kill)
    pid=$(cat "$2/$3.pid"); kill -9 "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.02; done ;;
restart)
    launch "$2" "$3"; wait_accepting "$(node_field "$2" "$3" 2)" ;;
stop)
    dir=$2
    for f in "$dir"/n*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true; done
    sleep 0.2; rm -rf "$dir" ;;
*)
    sed -n '2,9p' "$0" >&2; exit 2 ;;
esac
