"""The large ingest bodies of issue 5's targets, reproducible:
- `structured-shipper`: the issue's "1000-event structured requests (about 270 KB)": 1000 events as a log shipper
  sends them (shipper_events.py: rawstring, ISO-8601 timestamp, host/service/level/status/duration_ms/trace_id
  attributes), 278 KB, lz4 -b1 ratio 4.5;
- `structured-bench`: the earlier stand-in, 1000 events of the shape perf/http-baseline.sh sends
  (structured_events.py, about 170 bytes each, 172 KB; lz4 -b1 ratio 5), kept so older figures stay comparable;
- `accesslog`: 1000 nginx combined lines as perf/DecodeThroughput.swift's accessLogBody builds them (same
  generator, same bytes), as a humio-unstructured body.
Usage: big_bodies.py OUT_DIR -> writes structured-shipper.json, structured-bench.json, accesslog.json and
accesslog.lines (the bare lines)."""
import json
import sys

import shipper_events
from structured_events import body, event


def structured_bench(events=1000):
    return body([event(i) for i in range(events)])


def structured_shipper(events=1000):
    return shipper_events.body(events)


def access_lines(count=1000):
    mask = (1 << 64) - 1
    state = 0x9E3779B97F4A7C15

    def rand(bound):
        nonlocal state
        state ^= state >> 12
        state ^= (state << 25) & mask
        state ^= state >> 27
        return ((state * 0x2545F4914F6CDD1D) & mask) % bound

    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    paths = ["/", "/api/v1/users", "/api/v1/orders/12345/items?expand=true&page=2", "/static/js/app.3f9a1c.js",
             "/healthz", "/search?q=red+shoes&sort=price_asc&filter=size%3A42", "/login"]
    agents = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
              "curl/8.4.0", "kube-probe/1.28", "Go-http-client/1.1"]
    lines = []
    for i in range(count):
        h, m, s, d, mo = rand(24), rand(60), rand(60), 1 + rand(28), 1 + rand(12)
        # Evaluation order of the Swift interpolation: ip octets, path, status, size, agent, duration.
        a, b, c = rand(255), rand(255), rand(255)
        path = paths[rand(len(paths))]
        status = [200, 304, 404][rand(3)]
        size = rand(100_000)
        agent = agents[rand(len(agents))]
        ms = rand(999)
        lines.append('10.%d.%d.%d - - [%02d/%s/2024:%02d:%02d:%02d +0000] "GET %s HTTP/1.1" %d %d "https://example.com/%d" "%s" 0.%d'
                     % (a, b, c, d, months[mo - 1], h, m, s, path, status, size, i % 7, agent, ms))
    return lines


if __name__ == "__main__":
    out = sys.argv[1]
    open(out + "/structured-shipper.json", "w").write(structured_shipper())
    open(out + "/structured-bench.json", "w").write(structured_bench())
    lines = access_lines()
    open(out + "/accesslog.lines", "w").write("\n".join(lines) + "\n")
    # json.dumps escapes the quotes as \" exactly as the Swift body does.
    body = '[{"tags":{"host":"web-01"},"messages":[' + ",".join(json.dumps(l) for l in lines) + "]}]"
    open(out + "/accesslog.json", "w").write(body)
