"""Helper of perf/snapshot-reload.sh.

prepare BIN DATA COUNT: bootstraps DATA with BIN (first start creates tokens.json), then rewrites tokens.json
with COUNT more ingest tokens (name, repository, tokenSha256) in the file's own layout, one entry per line.
measure BIN DATA RELOADS: serves DATA with BIN, sends RELOADS SIGHUPs one after another and prints, for each,
"SECONDS s GROWTH_MB MB HELD_MB MB": from the signal to sluice_token_reloads_total moving, the peak RSS during
the reload (sampled every poll) over the RSS before it, and the RSS after it over the RSS before it.
"""
import hashlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time


def serve(binary, data):
    for name in ("sluice.port", "sluice.pid"):
        try:
            os.remove(os.path.join(data, name))
        except FileNotFoundError:
            pass
    log = open(os.path.join(data, "stderr.log"), "ab")
    process = subprocess.Popen([binary, "serve", "--data", data, "--listen", "127.0.0.1:0"],
                               stdout=subprocess.DEVNULL, stderr=log)
    port_file = os.path.join(data, "sluice.port")
    deadline = time.time() + 120
    while not (os.path.exists(port_file) and os.path.getsize(port_file) > 0):
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit(f"{binary} did not start (see {data}/stderr.log)")
        time.sleep(0.05)
    return process, int(open(port_file).read().strip())


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def prepare(binary, data, count):
    os.makedirs(data, exist_ok=True)
    process, _ = serve(binary, data)
    stop(process)
    path = os.path.join(data, "tokens.json")
    snapshot = json.load(open(path))
    names = [repository["name"] for repository in snapshot["repositories"]]
    repository = "sandbox" if "sandbox" in names else names[-1]
    lines = []
    for i in range(count):
        digest = hashlib.sha256(b"snapshot-reload-%d" % i).hexdigest()
        lines.append('{"name": "t%d", "repository": "%s", "tokenSha256": "%s"}' % (i, repository, digest))
    # The file as the server writes it, the new tokens after the bootstrap ones.
    text = open(path).read()
    marker = '"ingestTokens": ['
    start = text.index(marker) + len(marker)
    end = text.index("\n  ]", start) if text[start] == "\n" else start
    existing = text[start:end]
    body = existing + "".join(("," if existing or i else "") + "\n    " + line for i, line in enumerate(lines))
    text = text[:start] + body + ("" if text[start] == "\n" else "\n  ") + text[end:]
    with open(path + ".tmp", "w") as out:
        out.write(text)
    os.rename(path + ".tmp", path)
    json.load(open(path))  # still valid JSON


def status(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def reloads(connection):
    connection.request("GET", "/metrics")
    response = connection.getresponse()
    body = response.read().decode()
    for line in body.splitlines():
        if line.startswith("sluice_token_reloads_total"):
            return int(float(line.split()[-1]))
    raise SystemExit("no sluice_token_reloads_total in /metrics")


def measure(binary, data, count):
    process, port = serve(binary, data)
    try:
        pid = int(open(os.path.join(data, "sluice.pid")).read().strip())
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(count):
            time.sleep(1)  # the previous generation freed, the allocator settled
            before = reloads(connection)
            rss = status(pid, "VmRSS")
            peak = rss
            start = time.monotonic()
            os.kill(pid, signal.SIGHUP)
            # The peak is sampled with each poll (VmHWM cannot be reset everywhere: /proc/PID/clear_refs).
            while reloads(connection) == before:
                peak = max(peak, status(pid, "VmRSS"))
                time.sleep(0.002)
            seconds = time.monotonic() - start
            time.sleep(0.5)
            held = status(pid, "VmRSS")
            print(f"{seconds:.3f} s {(peak - rss) // 1_000_000} MB {(held - rss) // 1_000_000} MB", flush=True)
    finally:
        stop(process)


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "prepare":
        prepare(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif command == "measure":
        measure(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
