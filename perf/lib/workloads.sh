# The request workloads of perf/cpu-per-request.sh and perf/instructions-per-request.sh; source from a perf
# script whose working directory is perf/.
# Workloads: small (the 331-byte structured body perf/http-baseline.sh sends), hec (1000 HEC text events that
# fall back to the kv parser, 176 KB), structured-shipper, structured-bench and accesslog (perf/bigreq.sh's
# 1000-event bodies; accesslog posts through a token with the `accesslog` parser), unstructured-kv (the same
# 1000 access-log lines through the bootstrap token, which has no parser of its own, so the unstructured
# endpoint's default `kv` parses them), custom-pipeline (1000 application log lines through a custom parser:
# regex with four named groups, parseTimestamp in Europe/Berlin, kvParse of the rest), syslog (1000 RFC 5424
# lines with structured data through the built-in `syslog`) and multirepo (the hec events, each naming one of
# four repositories by `index` in turn, through an organization token: every request is split into four parts
# stored all or nothing).
# A binary written as PATH@limits runs with rate limits and a daily quota on the token and its repository set
# far above what a run reaches (docs/limits.md); PATH@reload reloads the same token set once by SIGHUP,
# without limits, to tell a reload's cost from the limits'.

# workload_body WORKLOAD DIR: writes DIR/body.json and sets workload_path (the endpoint) and workload_events.
workload_body() {
    local workload=$1 dir=$2
    if [ "$workload" = structured-shipper ] || [ "$workload" = structured-bench ] || [ "$workload" = accesslog ]; then
        python3 lib/big_bodies.py "$dir" >/dev/null && cp "$dir/$workload.json" "$dir/body.json"
    elif [ "$workload" = unstructured-kv ]; then
        python3 lib/big_bodies.py "$dir" >/dev/null && cp "$dir/accesslog.json" "$dir/body.json"
    elif [ "$workload" = custom-pipeline ] || [ "$workload" = syslog ]; then
        python3 lib/parser_bodies.py "$workload" "$dir/body.json" "$dir/parsers.json"
    else python3 - "$dir/body.json" "$workload" <<'PY'
import json, random, sys
sys.path.insert(0, "lib")
from structured_events import event, body
path, workload = sys.argv[1], sys.argv[2]
if workload == "small":
    small = body([event(1)])
    text = small + " " * max(0, 331 - len(small))
else:
    rng = random.Random(1)
    lines = []
    for i in range(1000):
        ev = ("ts=2026-11-29T05:00:%02dZ level=info user=u%d action=login status=%d latency_ms=%d msg=\"request %d done\""
              % (i % 60, rng.randint(1, 999), rng.choice([200, 401, 500]), rng.randint(1, 900), i))
        fields = {"event": ev, "host": "web-01", "source": "app", "time": 1795928400 + i}
        if workload == "multirepo": fields["index"] = "r%d" % (i % 4)
        lines.append(json.dumps(fields))
    text = "\n".join(lines)
open(path, "w").write(text)
PY
    fi
    case "$workload" in
        small|structured-shipper|structured-bench) workload_path=/api/v1/ingest/humio-structured ;;
        accesslog|unstructured-kv|custom-pipeline|syslog) workload_path=/api/v1/ingest/humio-unstructured ;;
        *) workload_path=/services/collector ;;
    esac
    if [ "$workload" = small ]; then workload_events=1; else workload_events=1000; fi
}

# workload_token ENTRY WORKLOAD DATA PID DIR: prepares the running server (data folder DATA, process PID) for
# the workload and the entry's variant, and prints the token to post with. DIR is workload_body's folder.
workload_token() {
    local entry=$1 workload=$2 data=$3 pid=$4 dir=$5 bin token name
    bin=${entry%@limits}; bin=${bin%@reload}
    token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['ingestToken'])" "$data/bootstrap-credentials.json")
    if [ "$workload" = accesslog ] || [ "$workload" = syslog ]; then
        token=$("$bin" tokens add --data "$data" --reload --repo sandbox --name parsed --parser "$workload")
        sleep "${WORKLOAD_SETTLE:-0.5}"
    elif [ "$workload" = custom-pipeline ]; then
        python3 lib/parser_bodies.py add-parsers "$data/tokens.json" "$dir/parsers.json"
        token=$("$bin" tokens add --data "$data" --reload --repo sandbox --name parsed --parser app)
        sleep "${WORKLOAD_SETTLE:-0.5}"
    elif [ "$workload" = multirepo ]; then
        for r in r0 r1 r2 r3; do "$bin" repos add --data "$data" --name "$r" --org acme >/dev/null; done
        token=$("$bin" api-tokens add --data "$data" --kind organization --name shippers --org acme \
                --permission IngestAcrossAllReposWithinOrganization --reload)
        sleep "${WORKLOAD_SETTLE:-0.5}"
    fi
    if [ "$entry" = "$bin@reload" ]; then
        kill -HUP "$pid"; sleep "${WORKLOAD_SETTLE:-0.5}"
    elif [ "$entry" = "$bin@limits" ]; then
        case "$workload" in accesslog|syslog|custom-pipeline) name=parsed ;; *) name=default ;; esac
        "$bin" tokens limits --data "$data" --repo sandbox --name "$name" --events-per-second 1e9 --bytes-per-second 1e12 --daily-bytes 10000000000000 >/dev/null
        "$bin" repos limits --data "$data" --reload --name sandbox --events-per-second 1e9 --bytes-per-second 1e12 --daily-bytes 10000000000000 >/dev/null
        sleep "${WORKLOAD_SETTLE:-0.5}"
    fi
    echo "$token"
}
