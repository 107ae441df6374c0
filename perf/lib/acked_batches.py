"""Posts numbered batches through a load balancer and records which were acknowledged (perf/fleet.sh).

  acked_batches.py post URL TOKEN SECONDS OUT [THREADS] [EVENTS] [HANG]
      THREADS keep-alive clients post humio-unstructured batches of EVENTS lines "<batch> line <i>" (batch ids
      never reused, never resent) for SECONDS; writes OUT.acked (one id per acknowledged batch) and
      OUT.status (JSON: answers by status; "connection_lost" for a connection closed or reset before any
      answer; "hang" for a request left without an answer for HANG seconds (default 30), whether it then
      timed out or was answered late).
  acked_batches.py check ACKED DUMP
      DUMP is the stream's NDJSON (perf/lib/js-dump.c); prints how many acknowledged batches are in it once,
      missing or more than once, and exits 1 unless all are there exactly once.
"""
import collections, http.client, json, re, sys, threading, time, urllib.parse


def post(url, token, seconds, out, threads=4, events=100, hang=30):
    target = urllib.parse.urlsplit(url)
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    acked, statuses = [], collections.Counter()

    def client(number):
        connection, batch = None, 0
        while time.monotonic() < deadline:
            batch += 1
            name = "c%d-b%d" % (number, batch)
            body = json.dumps([{"messages": ["%s line %d" % (name, i) for i in range(events)]}])
            started = time.monotonic()
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=hang)
                connection.request("POST", "/api/v1/ingest/humio-unstructured", body=body,
                                   headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                answer = connection.getresponse()
                answer.read()
                status = answer.status
                if answer.getheader("Connection", "").lower() == "close":
                    connection.close(); connection = None
            except TimeoutError:
                status = "hang"
                if connection is not None: connection.close()
                connection = None
            except (ConnectionError, http.client.HTTPException, OSError):
                status = "connection_lost"
                if connection is not None: connection.close()
                connection = None
            with lock:
                statuses[str(status)] += 1
                if status != "hang" and time.monotonic() - started > hang: statuses["hang"] += 1
                if status == 200: acked.append(name)

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for w in workers: w.start()
    for w in workers: w.join()
    open(out + ".acked", "w").write("".join(name + "\n" for name in acked))
    open(out + ".status", "w").write(json.dumps(dict(statuses)) + "\n")


def check(acked_path, dump_path):
    acked = [line.strip() for line in open(acked_path) if line.strip()]
    copies = collections.Counter()
    pattern = re.compile(r'"(c\d+-b\d+) line 0"')
    with open(dump_path, errors="replace") as dump:
        for line in dump:
            for name in pattern.findall(line): copies[name] += 1
    once = sum(1 for name in acked if copies[name] == 1)
    missing = [name for name in acked if copies[name] == 0]
    twice = [name for name in acked if copies[name] > 1]
    print("acknowledged %d: exactly once %d, missing %d, more than once %d" % (len(acked), once, len(missing), len(twice)))
    if missing: print("missing e.g.", missing[:5])
    if twice: print("duplicated e.g.", twice[:5])
    sys.exit(0 if once == len(acked) else 1)


if __name__ == "__main__":
    if sys.argv[1] == "post":
        post(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5], *(int(a) for a in sys.argv[6:8]), *(float(a) for a in sys.argv[8:9]))
    else:
        check(sys.argv[2], sys.argv[3])
