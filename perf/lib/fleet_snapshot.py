#!/usr/bin/env python3
"""Shared-snapshot figures (docs/fleet.md): a nats-server -js, gateway A seeded with TOKENS ingest tokens,
gateways B and C joining; then CHANGES token creations through the gateways in turn, each timed from the
GraphQL request until the new token ingests (200) on both other gateways; then a fourth gateway joining with
an empty data folder, timed from its start until a token of the set ingests through it.

Usage: fleet_snapshot.py SLUICE_BINARY TOKENS CHANGES (env JOIN_PROFILE=FILE: perf record the joining
gateway; CHANGE_PROFILE=FILE: perf record gateway B during the changes)"""
import http.client, json, os, random, shutil, signal, socket, string, subprocess, sys, tempfile, time

binary, tokens, changes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
work = tempfile.mkdtemp(prefix="fleet-snapshot-")
children = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_file(path, seconds=600):
    deadline = time.time() + seconds
    while not (os.path.exists(path) and os.path.getsize(path) > 0):
        if time.time() > deadline:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.01)


def serve(name, *arguments, prefix=()):
    data = os.path.join(work, name)
    os.makedirs(data, exist_ok=True)
    for stale in ("sluice.port", "sluice.pid"):
        if os.path.exists(os.path.join(data, stale)):
            os.unlink(os.path.join(data, stale))
    log = open(os.path.join(data, "stderr.log"), "a")
    child = subprocess.Popen([*prefix, binary, "serve", "--data", data, "--listen", "127.0.0.1:0", "--threads", "1", "--fsync", "none", *arguments],
                             stdout=subprocess.DEVNULL, stderr=log)
    children.append(child)
    return child, data


def port_of(data):
    wait_file(os.path.join(data, "sluice.port"))
    return int(open(os.path.join(data, "sluice.port")).read())


class Client:
    def __init__(self, port):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method, path, body, token):
        for _ in range(2):
            try:
                self.connection.request(method, path, body=body, headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                answer = self.connection.getresponse()
                return answer.status, answer.read()
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        raise SystemExit("request failed twice")

    def ingest(self, token):
        return self.request("POST", "/api/v1/ingest/raw", b"fleet-snapshot probe", token)[0]


def stop(child):
    child.send_signal(signal.SIGTERM)
    child.wait()


try:
    nats_port = free_port()
    nats = subprocess.Popen(["nats-server", "-a", "127.0.0.1", "-p", str(nats_port), "-js", "-sd", os.path.join(work, "nats")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children.append(nats)
    source = f"nats://127.0.0.1:{nats_port}/TOKENS"

    # Gateway A's set: the bootstrap snapshot plus TOKENS ingest tokens in repository sandbox.
    first, a_data = serve("a")
    port_of(a_data)
    wait_file(os.path.join(a_data, "bootstrap-credentials.json"))
    stop(first)
    credentials = json.load(open(os.path.join(a_data, "bootstrap-credentials.json")))
    snapshot = json.load(open(os.path.join(a_data, "tokens.json")))
    alphabet = string.ascii_letters + string.digits
    rng = random.Random(7)
    probe = None
    for i in range(tokens):
        secret = "".join(rng.choice(alphabet) for _ in range(43))
        probe = probe or secret
        snapshot["ingestTokens"].append({"name": f"perf-{i}", "repository": "sandbox", "token": secret})
    with open(os.path.join(a_data, "tokens.json"), "w") as f:
        json.dump(snapshot, f)
    os.chmod(os.path.join(a_data, "tokens.json"), 0o600)

    started = time.time()
    gateway_a, _ = serve("a", "--snapshot-source", source)
    a_port = port_of(a_data)
    while "shared token snapshot seeded" not in open(os.path.join(a_data, "stderr.log")).read():
        time.sleep(0.05)
    seed_seconds = time.time() - started
    ports = [a_port]
    gateways = []
    for name in ("b", "c"):
        gateway, data = serve(name, "--snapshot-source", source)
        gateways.append(gateway)
        ports.append(port_of(data))
    clients = [Client(port) for port in ports]
    for client in clients:
        while client.ingest(probe) != 200:
            time.sleep(0.01)

    # CHANGE_PROFILE=FILE: gateway B runs under `perf record -g` while the changes run.
    recorder = None
    if os.environ.get("CHANGE_PROFILE"):
        recorder = subprocess.Popen(["perf", "record", "-F", "499", "-g", "-p", str(gateways[0].pid), "-o", os.environ["CHANGE_PROFILE"]],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)

    # Propagation: each change through one gateway, waited for on the two others.
    delays = []
    for i in range(changes):
        writer = clients[i % 3]
        others = [c for j, c in enumerate(clients) if j != i % 3]
        query = json.dumps({"query": f'mutation {{ addIngestTokenV3(input: {{repositoryName: "sandbox", name: "change-{i}"}}) {{ token }} }}'})
        sent = time.time()
        status, body = writer.request("POST", "/graphql", query.encode(), credentials["apiToken"])
        token = json.loads(body)["data"]["addIngestTokenV3"]["token"]
        waiting = list(others)
        while waiting:
            waiting = [c for c in waiting if c.ingest(token) != 200]
        delays.append(time.time() - sent)
        if delays[-1] > 1:
            print(f"change {i} through gateway {'abc'[i % 3]}: {delays[-1]:.2f} s", file=sys.stderr)
    if recorder:
        recorder.send_signal(signal.SIGINT)
        recorder.wait()
    delays.sort()
    pick = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]

    # A gateway joining the fleet with an empty data folder.
    started = time.time()
    # JOIN_PROFILE=FILE: the joining gateway runs under `perf record -g` writing FILE.
    profile = os.environ.get("JOIN_PROFILE")
    _, d_data = serve("d", "--snapshot-source", source, prefix=("perf", "record", "-F", "499", "-g", "-o", profile, "--") if profile else ())
    joiner = Client(port_of(d_data))
    while joiner.ingest(probe) != 200:
        time.sleep(0.005)
    join_seconds = time.time() - started

    print(f"tokens in the set      {tokens}")
    print(f"seeding the bucket     {seed_seconds:.2f} s (gateway A start until seeded)")
    print(f"propagation over {changes} changes (request sent until the token ingests on both other gateways):")
    print(f"  p50 {pick(0.50) * 1000:.1f} ms   p99 {pick(0.99) * 1000:.1f} ms   max {delays[-1] * 1000:.1f} ms")
    print(f"joining gateway serves {join_seconds:.2f} s after its start")
finally:
    for child in reversed(children):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    if os.environ.get("KEEP"):
        print(f"kept {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
