"""Structured events as a log shipper sends them to `humio-structured` (issue 5's "1000-event structured
requests (about 270 KB)"): one group tagged with the shipper's source, events of about 270 bytes each.

Each event is what an agent such as Fluent Bit or Vector forwards after light parsing: the original log line in
`rawstring` (about 60 % application lines of a handful of services, 40 % nginx access lines whose quotes arrive
escaped as `\\"`), an ISO-8601 UTC timestamp with milliseconds (a request spans a few seconds, in order), and
the attributes the agent knows or extracted: host, service, level, status (number), path, duration_ms (number)
and, for application lines, a trace id. Nothing here is chosen for the decoder's sake: names, value types,
escapes and lengths vary the way they do in such traffic. Reproducible: the generator is seeded."""
import json
import random

SERVICES = ["checkout", "orders", "auth", "catalog", "payments"]
PATHS = ["/api/v1/orders/{n}", "/api/v1/orders/{n}/items", "/api/v1/users/{n}/profile", "/api/v2/catalog/search",
         "/api/v1/cart", "/healthz", "/api/v1/payments/{n}/capture", "/static/js/app.{h}.js", "/login"]
METHODS = ["GET"] * 6 + ["POST"] * 3 + ["PUT", "DELETE"]
AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "curl/8.4.0",
          "okhttp/4.12.0", "Go-http-client/1.1", "kube-probe/1.28"]
MESSAGES = ["request completed", "cache miss, loading from db", "upstream call finished",
            "slow query detected", "token refreshed", "validation failed: missing field 'sku'"]


def events(count=1000, seed=2026):
    rng = random.Random(seed)
    millis = 6 * 3600_000 + 14 * 60_000 + 3_127  # 06:14:03.127 on 2026-11-29, then a few ms per event
    out = []
    for _ in range(count):
        millis += rng.randint(0, 6)
        h, m, s, ms = millis // 3600_000, millis // 60_000 % 60, millis // 1000 % 60, millis % 1000
        timestamp = "2026-11-29T%02d:%02d:%02d.%03dZ" % (h, m, s, ms)
        status = rng.choice([200] * 14 + [201, 204, 301, 304, 400, 401, 404, 500, 503])
        level = "error" if status >= 500 else "warn" if status >= 400 else "info"
        path = rng.choice(PATHS).format(n=rng.randint(1000, 99999), h="%06x" % rng.getrandbits(24))
        method = rng.choice(METHODS)
        duration = round(rng.lognormvariate(2.5, 1.0), 1)
        host = "web-%02d" % rng.randint(1, 24)
        if rng.random() < 0.4:
            service = "nginx"
            raw = '10.%d.%d.%d - - [29/Nov/2026:%02d:%02d:%02d +0000] "%s %s HTTP/1.1" %d %d "-" "%s"' % (
                rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254), h, m, s, method, path, status,
                rng.randint(0, 40_000), rng.choice(AGENTS))
            attributes = {"host": host, "service": service, "level": level, "status": status,
                          "duration_ms": duration}
        else:
            service = rng.choice(SERVICES)
            trace = "%016x" % rng.getrandbits(64)
            raw = "%02d:%02d:%02d.%03d %-5s [%s] %s %s -> %d in %.1fms: %s" % (
                h, m, s, ms, level.upper(), service, method, path, status, duration, rng.choice(MESSAGES))
            attributes = {"host": host, "service": service, "level": level, "status": status,
                          "duration_ms": duration, "trace_id": trace}
        out.append({"timestamp": timestamp, "attributes": attributes, "rawstring": raw})
    return out


def body(count=1000, seed=2026):
    return json.dumps([{"tags": {"source": "vector", "env": "prod"}, "events": events(count, seed)}],
                      separators=(",", ":"))


if __name__ == "__main__":
    text = body()
    lines = [json.dumps(e, separators=(",", ":")) for e in events()]
    print(len(text), "bytes;", sum(map(len, lines)) / len(lines), "per event; rawstring avg",
          sum(len(e["rawstring"]) for e in events()) / 1000)
    print(lines[0]); print(lines[1]); print(lines[2])
