#!/usr/bin/env python3
# stallwatch.py CPU OUT SECONDS: a SCHED_FIFO thread pinned to CPU sleeps 1 ms at a time and writes every gap over
# 2 ms to OUT (start_ns end_ns, CLOCK_MONOTONIC). A real-time thread that cannot run for that long means the vCPU
# itself did not run (the host), or the kernel did not let anything run there; no process of this guest can
# delay it. Costs about 1 % of a CPU. perf/latency-trace.sh (TRACE=life) runs one per CPU.
import os, sys, time
cpu, out, secs = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
os.sched_setaffinity(0, {cpu})
os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
mono = time.CLOCK_MONOTONIC
end = time.clock_gettime_ns(mono) + int(secs * 1e9)
gaps = []
last = time.clock_gettime_ns(mono)
while last < end:
    time.sleep(0.001)
    now = time.clock_gettime_ns(mono)
    if now - last > 2_000_000:
        gaps.append((last, now))
    last = now
with open(out, "w") as f:
    for a, b in gaps:
        f.write(f"{a} {b}\n")
