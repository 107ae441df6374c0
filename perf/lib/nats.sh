# One JetStream server for a perf script; source from a perf script. (perf/lib/nats-cluster.sh runs three.)

# nats_start STORE: starts `nats-server -js` on a free loopback port with its file store in STORE, sets
# NATS_PORT and NATS_PID, and returns once it accepts connections. Set the script's EXIT trap (which kills
# $NATS_PID) before calling it.
nats_start() {
    NATS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    nats-server -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$1" >/dev/null 2>&1 &
    NATS_PID=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; do sleep 0.1; done
}
