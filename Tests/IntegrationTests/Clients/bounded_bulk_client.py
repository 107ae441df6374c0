"""A bulk shipper that reads answers as Fluent Bit's `es` output does: into a buffer of fixed size.

Usage: bounded_bulk_client.py HOST PORT TOKEN EVENTS BUFFER_BYTES [QUERY [USER_AGENT]]

Sends one `_bulk` request of EVENTS `create` actions (Fluent Bit's default write operation), each with a
~100-byte log line, and reads the whole answer (head and body) into a buffer of BUFFER_BYTES. An answer
that does not fit is an error, as it is for Fluent Bit ("cannot increase buffer"), which then treats the
chunk as failed and sends it again. Prints one JSON line: the answer's size, status and `errors`.
"""
import base64
import json
import socket
import sys


def main():
    host, port, token, events, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    query = sys.argv[6] if len(sys.argv) > 6 else ""
    agent = sys.argv[7] if len(sys.argv) > 7 else "bounded-bulk-client"
    lines = []
    for n in range(events):
        lines.append('{"create":{"_index":"fluent-bit"}}')
        lines.append(json.dumps({"@timestamp": "2026-12-07T10:00:00.000Z",
                                 "log": "GET /index.html 200 %06d bytes from 10.0.0.%d took 12 ms" % (n, n % 250)}))
    body = ("\n".join(lines) + "\n").encode()
    credential = base64.b64encode(("%s:" % token).encode()).decode()
    head = ("POST /_bulk%s HTTP/1.1\r\nHost: %s:%d\r\nContent-Length: %d\r\n"
            "Content-Type: application/x-ndjson\r\nUser-Agent: %s\r\nAuthorization: Basic %s\r\n\r\n"
            % (("?" + query) if query else "", host, port, len(body), agent, credential))
    connection = socket.create_connection((host, port), timeout=60)
    connection.sendall(head.encode() + body)
    buffer = bytearray(limit)
    view = memoryview(buffer)
    used = 0
    while True:
        if used == limit:
            print(json.dumps({"fits": False, "limit": limit}))
            return 1
        received = connection.recv_into(view[used:], limit - used)
        if received == 0:
            break
        used += received
        end = buffer.find(b"\r\n\r\n", 0, used)
        if end < 0:
            continue
        headers = bytes(buffer[:end]).decode("latin-1").split("\r\n")
        length = next(int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:"))
        if used >= end + 4 + length:
            status = int(headers[0].split(" ")[1])
            answer = json.loads(bytes(buffer[end + 4:end + 4 + length]))
            print(json.dumps({"fits": True, "bytes": used, "status": status, "errors": answer.get("errors"),
                              "items": len(answer.get("items", []))}))
            return 0
    print(json.dumps({"fits": False, "closed": True}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
