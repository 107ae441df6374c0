#!/usr/bin/env python3
"""Top functions of a Go CPU profile (pprof protobuf, gzipped) by flat and cumulative share, without Go:
   python3 perf/lib/pprof_top.py FILE [N]. nats-server serves one with --profile PORT at /debug/pprof/profile."""
import gzip, sys, collections
def varint(b, i):
    v = s = 0
    while True:
        x = b[i]; i += 1; v |= (x & 127) << s; s += 7
        if x < 128: return v, i
def fields(b):
    i = 0
    while i < len(b):
        key, i = varint(b, i); f, t = key >> 3, key & 7
        if t == 0: v, i = varint(b, i)
        elif t == 2:
            n, i = varint(b, i); v = b[i:i+n]; i += n
        elif t == 1: v = b[i:i+8]; i += 8
        elif t == 5: v = b[i:i+4]; i += 4
        yield f, t, v
def packed(v, t):
    if t == 0: return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i); out.append(x)
    return out
data = gzip.decompress(open(sys.argv[1], 'rb').read())
strings, samples, locs, funcs = [], [], {}, {}
for f, t, v in fields(data):
    if f == 6: strings.append(v.decode())
    elif f == 2:
        ids, vals = [], []
        for g, tt, w in fields(v):
            if g == 1: ids += packed(w, tt)
            elif g == 2: vals += packed(w, tt)
        samples.append((ids, vals))
    elif f == 4:
        lid, fl = 0, []
        for g, tt, w in fields(v):
            if g == 1: lid = w
            elif g == 4:
                for h, _, x in fields(w):
                    if h == 1: fl.append(x)
        locs[lid] = fl
    elif f == 5:
        fid = name = 0
        for g, tt, w in fields(v):
            if g == 1: fid = w
            elif g == 2: name = w
        funcs[fid] = name
flat, cum = collections.Counter(), collections.Counter()
total = 0
for ids, vals in samples:
    v = vals[-1]; total += v
    names = [strings[funcs[fid]] for lid in ids for fid in locs.get(lid, [])]
    if names: flat[names[0]] += v
    for n in set(names): cum[n] += v
print(f"total {total/1e9:.2f} s CPU")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
print("--- flat"); [print(f"{v/total*100:5.1f}% {k}") for k, v in flat.most_common(n)]
print("--- cum"); [print(f"{v/total*100:5.1f}% {k}") for k, v in cum.most_common(n)]
