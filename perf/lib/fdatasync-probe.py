"""Latency of a 4 KiB pwrite + fdatasync in FOLDER, COUNT samples (the disk's floor under `--fsync always`).
Usage: python3 fdatasync-probe.py FOLDER COUNT -> one JSON object (median_ms, p99_ms, max_ms)."""
import json, os, sys, time, statistics

folder, count = sys.argv[1], int(sys.argv[2])
path = os.path.join(folder, ".fdatasync-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
block = os.urandom(4096)
samples = []
try:
    for i in range(count):
        os.pwrite(fd, block, (i % 256) * 4096)
        start = time.perf_counter_ns()
        os.fdatasync(fd)
        samples.append((time.perf_counter_ns() - start) / 1e6)
finally:
    os.close(fd)
    os.unlink(path)
samples.sort()
print(json.dumps({"samples": count, "folder": folder, "median_ms": statistics.median(samples),
                  "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))], "max_ms": samples[-1]}))
