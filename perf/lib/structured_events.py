"""The structured ingest events the HTTP perf scripts send: one shape, reproducible from the seed."""
import json
import random

rng = random.Random(7)


def event(i):
    return {"timestamp": "2026-11-28T10:00:%02d.%03dZ" % (i % 60, i % 1000),
            "attributes": {"host": "web-%d" % (i % 8), "status": str(200 + i % 5), "path": "/api/items/%d" % i},
            "rawstring": "GET /api/items/%d HTTP/1.1 200 %d" % (i, rng.randint(100, 9999))}


def body(events):
    return json.dumps([{"tags": {"source": "bench"}, "events": events}])
