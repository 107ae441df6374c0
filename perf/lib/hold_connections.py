"""Opens COUNT keep-alive connections to 127.0.0.1:PORT from source address SOURCE, sends one request on each
(an ingest request with TOKEN, or GET /api/v1/status without one), reads every answer, prints "ready N" and then
holds the connections until stdin closes. Requests go out in batches so the run stays short."""
import resource, socket, sys

port, count, source, token = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
body = b'[{"messages":["idle agent hello"]}]'
request = (b"POST /api/v1/ingest/humio-unstructured HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token.encode()
           + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
held, ok = [], 0
batch = 500
while len(held) < count:
    group = []
    for _ in range(min(batch, count - len(held))):
        s = socket.socket()
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(request)
        group.append(s)
    for s in group:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        ok += data.startswith(b"HTTP/1.1 200")
    held += group
print("ready %d %d" % (len(held), ok), flush=True)
sys.stdin.read()
