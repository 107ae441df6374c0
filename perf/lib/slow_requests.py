#!/usr/bin/env python3
# slow_requests.py DIR: reads what perf/latency-trace.sh TRACE=life left in DIR (slow = `sluice bench --slow-log`,
# sw0/sw1 = lib/stallwatch.py gaps, sched.data = `perf record -k CLOCK_MONOTONIC` of the scheduler events) and prints
#  1. the vCPU stalls (gaps of a real-time thread) and how many slow requests overlap one;
#  2. for the requests of at least MIN_MS (env, default 2) answered inside the trace window: how their lifetime
#     (scheduled send to answer) was spent on the two CPUs, per request, summed over CPUs: each thread group
#     running or waiting for a CPU (woken and not yet on one, or preempted or yielded and not yet back), and a CPU idle.
# Idle time while threads wait means the kernel left a CPU empty while work queued on the other.
import bisect, collections, os, subprocess, sys
d = sys.argv[1]
min_ms = float(os.environ.get("MIN_MS", "2"))
slow = [tuple(map(int, l.split())) for l in open(os.path.join(d, "slow"))]
gaps = []
for cpu in (0, 1):
    path = os.path.join(d, f"sw{cpu}")
    if os.path.exists(path):
        gaps += [tuple(map(int, l.split())) for l in open(path)]
in_stall = lambda s, a: any(g0 < a and g1 > s for g0, g1 in gaps)
ge2 = [r for r in slow if r[2] - r[0] >= min_ms * 1e6]
print(f"vCPU stalls over 2 ms: {len(gaps)}, {sum(b - a for a, b in gaps) / 1e6:.0f} ms in all, longest "
      f"{max([(b - a) / 1e6 for a, b in gaps] or [0]):.1f} ms")
print(f"requests >= 1 ms: {len(slow)} ({sum(1 for s, _, a, _ in slow if in_stall(s, a))} overlap a stall); "
      f">= {min_ms:g} ms: {len(ge2)} ({sum(1 for s, _, a, _ in ge2 if in_stall(s, a))} overlap a stall)")
lines = subprocess.run(["perf", "sched", "timehist", "--state", "-i", os.path.join(d, "sched.data")],
                       capture_output=True, text=True).stdout.splitlines()
def group(task):
    for name in ("bench-", "sluice-loop", "sluice-wal", "qos"):
        if name in task:
            return {"bench-": "generator", "sluice-loop": "loops", "sluice-wal": "WAL writer", "qos": "sync queue"}[name]
    return "idle" if task.startswith("<idle>") else "other processes"
segments = collections.defaultdict(list)
left_in = {}  # the state each task left its CPU in last: R (preempted or yielded) makes its next gap a wait for a CPU
first = last = None
for line in lines[3:]:
    p = line.split()
    try:
        t, task, off, delay, run, state = float(p[0]), p[2], float(p[3]), float(p[4]), float(p[5]), p[6]
    except (IndexError, ValueError):
        continue
    first = t if first is None else first
    last = t
    g = group(task)
    start = t - run / 1e3
    segments[(g, "run")].append((start, t))
    if left_in.get(task) == "R":
        segments[(g, "wait")].append((start - (off + delay) / 1e3, start))
    elif delay > 0:
        segments[(g, "wait")].append((start - delay / 1e3, start))
    left_in[task] = state
for key in segments:
    segments[key].sort()
def overlap(items, a, b):
    total = 0.0
    for s, f in items[bisect.bisect_left(items, (a - 0.1,)):]:
        if s > b:
            break
        total += max(0.0, min(f, b) - max(s, a))
    return total
if first is None:
    sys.exit("no scheduler events in sched.data")
chosen = [r for r in ge2 if first <= r[0] / 1e9 and r[2] / 1e9 <= last]
totals = collections.Counter()
life = 0.0
for s, _, a, _ in chosen:
    life += (a - s) / 1e9
    for key, items in segments.items():
        totals[key] += overlap(items, s / 1e9, a / 1e9)
n = max(1, len(chosen))
print(f"requests >= {min_ms:g} ms answered in the {last - first:.1f} s trace window: {len(chosen)}, mean lifetime "
      f"{1e3 * life / n:.2f} ms (x2 CPUs); per request, ms:")
for g in ("loops", "WAL writer", "sync queue", "generator", "other processes", "idle"):
    run, wait = 1e3 * totals[(g, "run")] / n, 1e3 * totals[(g, "wait")] / n
    print(f"  {g:<16} running {run:5.2f}" + (f"  waiting for a CPU {wait:5.2f}" if g != "idle" else ""))
