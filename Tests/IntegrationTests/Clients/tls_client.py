"""Python's ssl + http.client against Sluice's TLS listener (TLSTests.swift). Prints one JSON report line.

usage: tls_client.py basic PORT CAFILE TOKEN       requests over TLS 1.2 and 1.3, ALPN, ticket resumption
       tls_client.py untrusted PORT                a client with only the system CAs must refuse the server
       tls_client.py reload PORT CAFILE TOKEN      new connection per request until a second certificate was
                                                   served 10 times; prints "ready" after 10 requests
       tls_client.py pipeline PORT CAFILE TOKEN    pipelined ingest requests in one write, then bodies of
                                                   several megabytes, on one TLS connection
"""
import hashlib, http.client, json, socket, ssl, sys, time


def context(cafile, version=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if version is not None:
        ctx.minimum_version = version
        ctx.maximum_version = version
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    return ctx


def raw_get(port, ctx, session=None):
    """One GET /api/v1/status on a fresh TLS socket; returns (status line, ssl socket facts, session)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as tcp:
        with ctx.wrap_socket(tcp, server_hostname="127.0.0.1", session=session) as tls:
            tls.sendall(b"GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data.split(b"\r\n")[0].decode(), tls.version(), tls.selected_alpn_protocol(), tls.session_reused, tls.session


def basic(port, cafile, token):
    report = {}
    for name, version in (("tls12", ssl.TLSVersion.TLSv1_2), ("tls13", ssl.TLSVersion.TLSv1_3)):
        ctx = context(cafile, version)
        connection = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
        connection.request("GET", "/api/v1/status")
        status = connection.getresponse()
        status_body = json.loads(status.read())
        body = json.dumps([{"tags": {"source": "tls"}, "events": [{"attributes": {"client": "python-ssl-" + name, "n": i}, "rawstring": "event %d" % i} for i in range(3)]}])
        connection.request("POST", "/api/v1/ingest/humio-structured", body=body,
                           headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        ingest = connection.getresponse()
        ingest.read()
        connection.close()
        first = raw_get(port, ctx)
        second = raw_get(port, ctx, session=first[4])
        report[name] = {"status": status.status, "statusBody": status_body.get("status"), "ingest": ingest.status,
                        "version": first[1], "alpn": first[2], "firstReused": first[3],
                        "secondStatus": second[0], "secondReused": second[3]}
    return report


def untrusted(port):
    ctx = ssl.create_default_context()
    try:
        raw_get(port, ctx)
        return {"error": None}
    except ssl.SSLCertVerificationError as error:
        return {"error": "verification", "detail": str(error)}
    except Exception as error:  # noqa: BLE001 — the report names whatever else happened
        return {"error": type(error).__name__, "detail": str(error)}


def reload(port, cafile, token):
    ctx = context(cafile)
    fingerprints, failures, requests = [], [], 0
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=30)
            connection.request("POST", "/api/v1/ingest/raw", body=b"reload %d" % requests,
                               headers={"Authorization": "Bearer " + token})
            answer = connection.getresponse()
            answer.read()
            fingerprint = hashlib.sha256(connection.sock.getpeercert(binary_form=True)).hexdigest()
            connection.close()
            if answer.status != 200:
                failures.append("status %d" % answer.status)
            fingerprints.append(fingerprint)
        except Exception as error:  # noqa: BLE001 — every failure is reported
            failures.append("%s: %s" % (type(error).__name__, error))
        requests += 1
        if requests == 10:
            print("ready", flush=True)
        if fingerprints and sum(1 for f in fingerprints if f != fingerprints[0]) >= 10:
            break
    return {"requests": requests, "failures": failures, "distinct": len(set(fingerprints)),
            "first": fingerprints[0] if fingerprints else None, "last": fingerprints[-1] if fingerprints else None}


def read_answers(tls, count):
    """Reads `count` HTTP/1.1 answers with Content-Length bodies; returns their status codes."""
    data, statuses = b"", []
    while len(statuses) < count:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            head = data[:end].decode()
            length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n") if line.lower().startswith("content-length:")), 0)
            if len(data) >= end + 4 + length:
                statuses.append(int(head.split(" ")[1]))
                data = data[end + 4 + length:]
                continue
        chunk = tls.recv(1 << 20)
        if not chunk:
            raise RuntimeError("closed after %d answers" % len(statuses))
        data += chunk
    return statuses


def pipeline(port, cafile, token):
    ctx = context(cafile)
    report = {}
    with socket.create_connection(("127.0.0.1", port), timeout=60) as tcp:
        with ctx.wrap_socket(tcp, server_hostname="127.0.0.1") as tls:
            requests = b""
            for i in range(20):
                body = b"pipelined %d" % i
                requests += (b"POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (token.encode(), len(body), body))
            tls.sendall(requests)
            report["pipelined"] = read_answers(tls, 20)
            sizes = []
            for megabytes in (1, 4, 9):
                line = b"x" * 999 + b"\n"
                body = line * (megabytes * 1000)
                tls.sendall(b"POST /api/v1/ingest/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                            b"Content-Length: %d\r\n\r\n" % (token.encode(), len(body)) + body)
                sizes.append(read_answers(tls, 1)[0])
            report["large"] = sizes
    return report


if __name__ == "__main__":
    mode, port = sys.argv[1], int(sys.argv[2])
    if mode == "basic":
        result = basic(port, sys.argv[3], sys.argv[4])
    elif mode == "untrusted":
        result = untrusted(port)
    elif mode == "pipeline":
        result = pipeline(port, sys.argv[3], sys.argv[4])
    else:
        result = reload(port, sys.argv[3], sys.argv[4])
    print(json.dumps(result), flush=True)
