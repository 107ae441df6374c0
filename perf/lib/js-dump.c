/* Prints the body of every message of a JetStream stream, in stream order, each followed by a newline
 * unless it ends with one (for perf/fleet.sh's exactly-once check over NDJSON bodies), and "messages N" on
 * stderr. Follows the stream's leader through the cluster (any of URLS).
 * Usage: js-dump URLS STREAM */
#include <nats/nats.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: js-dump URLS STREAM\n"); return 2; }
    natsConnection *nc = NULL; jsCtx *js = NULL; natsStatus s; jsErrCode code = 0;
    if ((s = natsConnection_ConnectTo(&nc, argv[1])) != NATS_OK) { fprintf(stderr, "connect: %s\n", natsStatus_GetText(s)); return 1; }
    if ((s = natsConnection_JetStream(&js, nc, NULL)) != NATS_OK) { fprintf(stderr, "jetstream: %s\n", natsStatus_GetText(s)); return 1; }
    jsStreamInfo *info = NULL;
    if ((s = js_GetStreamInfo(&info, js, argv[2], NULL, &code)) != NATS_OK) { fprintf(stderr, "stream: %s %d\n", natsStatus_GetText(s), code); return 1; }
    uint64_t first = info->State.FirstSeq, last = info->State.LastSeq, count = 0, stored = info->State.Msgs, unreadable = 0;
    int empty = stored == 0;
    jsStreamInfo_Destroy(info);
    for (uint64_t seq = first; !empty && seq <= last; seq++) {
        natsMsg *msg = NULL;
        /* A read can fail while the stream changes leader: retried, and counted when it never succeeds. */
        int tries = 0;
        while ((s = js_GetMsg(&msg, js, argv[2], seq, NULL, &code)) != NATS_OK && s != NATS_NOT_FOUND && ++tries < 10) nats_Sleep(200);
        if (s != NATS_OK) { if (s != NATS_NOT_FOUND) unreadable++; continue; }
        int length = natsMsg_GetDataLength(msg);
        const char *data = natsMsg_GetData(msg);
        fwrite(data, 1, length, stdout);
        if (length == 0 || data[length - 1] != '\n') fputc('\n', stdout);
        natsMsg_Destroy(msg);
        count++;
    }
    fprintf(stderr, "messages %llu of %llu stored, %llu unreadable\n", (unsigned long long)count, (unsigned long long)stored,
            (unsigned long long)unreadable);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return 0;
}
