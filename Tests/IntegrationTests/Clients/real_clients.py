"""Real shipper client libraries, unmodified, against a running Sluice.

Usage: real_clients.py BASE_URL INGEST_TOKEN
Prints one JSON object: what each client reported. The Swift test then reads the WAL back.
"""
import json
import sys

base_url, token = sys.argv[1], sys.argv[2]
report = {}

from humiolib.HumioClient import HumioIngestClient

humio = HumioIngestClient(base_url=base_url, ingest_token=token)
structured = humio.ingest_json_data([
    {"tags": {"host": "humiolib"},
     "events": [{"timestamp": "2026-11-28T10:00:00+00:00", "attributes": {"client": "humiolib-json"},
                 "rawstring": "humiolib structured event"}]}])
report["humiolib_json"] = structured.status_code if hasattr(structured, "status_code") else str(structured)
messages = humio.ingest_messages(["2026-11-28T10:00:01Z client=humiolib-messages msg=hello"])
report["humiolib_messages"] = messages.status_code if hasattr(messages, "status_code") else str(messages)

from elasticsearch import Elasticsearch, helpers

es = Elasticsearch(base_url, basic_auth=("sluice", token), request_timeout=30)
ok, errors = helpers.bulk(es, [
    {"_index": "sandbox", "_source": {"@timestamp": "2026-11-28T10:00:02Z", "message": "elasticsearch bulk one", "client": "es-bulk"}},
    {"_index": "sandbox", "_source": {"@timestamp": "2026-11-28T10:00:03Z", "message": "elasticsearch bulk two", "client": "es-bulk"}},
])
report["elasticsearch_bulk_ok"] = ok
report["elasticsearch_bulk_errors"] = errors
print(json.dumps(report))
