"""Bodies for parser workloads of perf/cpu-per-request.sh.

parser_bodies.py custom-pipeline|syslog BODY PARSERS: writes a 1000-line humio-unstructured body to BODY
and the custom parser definitions (snapshot `parsers` member) to PARSERS.
parser_bodies.py add-parsers SNAPSHOT PARSERS: adds the definitions to a token snapshot in place (mode 0600).
"""
import json
import os
import random
import sys

# regex with four named groups, parseTimestamp with a zone, kvParse of the rest: a typical custom parser.
APP_PARSER = {"name": "app", "stages": [
    {"op": "regex", "pattern": r"^(?<ts>\S+ \S+) \[(?<level>\w+)\] (?<logger>[\w.]+): (?<rest>.*)$"},
    {"op": "parseTimestamp", "field": "ts", "format": "yyyy-MM-dd HH:mm:ss,SSS", "timezone": "Europe/Berlin"},
    {"op": "kvParse", "field": "rest"},
]}


def app_lines(rng):
    return ["2026-11-29 10:%02d:%02d,%03d [%s] com.example.svc%d: user=u%d action=login status=%d latency_ms=%d"
            % (i % 60, (i // 60) % 60, i % 1000, rng.choice(["INFO", "WARN", "ERROR"]), i % 7, rng.randint(1, 999),
               rng.choice([200, 401, 500]), rng.randint(1, 900)) for i in range(1000)]


def syslog_lines(rng):
    return ['<%d>1 2026-11-29T10:%02d:%02d.%03dZ host%d app%d %d ID47 [exampleSDID@32473 iut="3" '
            'eventSource="Application"] user=u%d action=login status=%d'
            % (rng.randint(0, 191), i % 60, (i // 60) % 60, i % 1000, i % 5, i % 3, rng.randint(100, 9999),
               rng.randint(1, 999), rng.choice([200, 401])) for i in range(1000)]


def main():
    if sys.argv[1] == "add-parsers":
        snapshot, parsers = sys.argv[2], sys.argv[3]
        data = json.load(open(snapshot))
        data["parsers"] = json.load(open(parsers))
        with open(snapshot, "w") as out:
            json.dump(data, out)
        os.chmod(snapshot, 0o600)
        return
    workload, body, parsers = sys.argv[1], sys.argv[2], sys.argv[3]
    rng = random.Random(1)
    lines = app_lines(rng) if workload == "custom-pipeline" else syslog_lines(rng)
    open(body, "w").write(json.dumps([{"messages": lines}]))
    open(parsers, "w").write(json.dumps([APP_PARSER]))


main()
