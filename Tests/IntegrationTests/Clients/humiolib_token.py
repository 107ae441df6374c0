"""Sends one unstructured message with humiolib's ingest client and prints {"status": <HTTP status>}.

Usage: humiolib_token.py BASE_URL TOKEN LABEL
"""
import json
import sys

from humiolib.HumioClient import HumioIngestClient

base_url, token, label = sys.argv[1], sys.argv[2], sys.argv[3]
client = HumioIngestClient(base_url=base_url, ingest_token=token)
try:
    response = client.ingest_messages([f"client=humiolib-rotation step={label}"])
    status = response.status_code if hasattr(response, "status_code") else 200
except Exception as error:  # humiolib raises on 4xx/5xx; its exception carries the status code
    status = getattr(error, "status_code", None) or getattr(getattr(error, "response", None), "status_code", None) or str(error)
print(json.dumps({"status": status}))
