"""Adds COUNT repositories named PREFIX0, PREFIX1, … with one ingest token each to a tokens.json (written
atomically, mode 0600) and writes the tokens, one per line, to OUT.

Usage: add_repositories.py TOKENS_JSON OUT COUNT PREFIX SEED
"""
import json, os, random, string, sys

path, out, count, prefix, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
snapshot = json.load(open(path))
rng = random.Random(seed)
alphabet = string.ascii_letters + string.digits
tokens = []
for i in range(count):
    name = f"{prefix}{i}"
    token = "".join(rng.choice(alphabet) for _ in range(43))
    snapshot.setdefault("repositories", []).append({"name": name, "organization": "default", "kind": "regular"})
    snapshot.setdefault("ingestTokens", []).append({"name": "bench", "repository": name, "token": token})
    tokens.append(token)
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(snapshot, f)
os.chmod(tmp, 0o600)
os.rename(tmp, path)
open(out, "w").write("\n".join(tokens) + "\n")
