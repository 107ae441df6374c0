"""Logs through Python's `splunk-handler` (PyPI) at its default settings into a Sluice HEC endpoint.

Usage: splunk_handler_client.py HOST PORT TOKEN MESSAGE...

The handler is built as its README shows, with the index left empty (`index=""`, which it then sends as
`"index": ""` with every record) and plain HTTP; everything else is the handler's default (sourcetype `text`,
source the caller's file, host this machine's name). `force_flush` posts the queued records and waits.
Prints one JSON line with the handler's own error log lines (empty when every post succeeded).
"""
import io
import json
import logging
import sys
from contextlib import redirect_stdout

import splunk_handler
from splunk_handler import SplunkHandler


def main():
    host, port, token, messages = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    captured = io.StringIO()
    with redirect_stdout(captured):
        handler = SplunkHandler(host=host, port=port, token=token, index="", protocol="http")
        logger = logging.getLogger("sluice-test")
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        for message in messages:
            logger.info(message)
        splunk_handler.force_flush()
        handler.close()
    errors = [line for line in captured.getvalue().splitlines() if "Exception" in line or "Error" in line]
    print(json.dumps({"errors": errors}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
