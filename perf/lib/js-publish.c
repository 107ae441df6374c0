/* Baseline JetStream publisher for perf/forward-throughput.sh: publishes COUNT messages of SIZE bytes to
 * SUBJECT with async acknowledgements (up to 4096 in flight, each with a Nats-Msg-Id like Sluice's), waits
 * for every ack and prints "messages seconds" on stdout.
 * With STREAM and REPLICAS it first creates that file-storage stream on SUBJECT.
 * RATE (environment, messages per second) paces the publishes instead of sending as fast as acks allow: every
 * 10 ms (BURST_MS) the messages due by then go out back to back, as a forwarder polling its log every 10 ms
 * sends them.
 * Usage: js-publish URLS SUBJECT COUNT SIZE [STREAM REPLICAS] */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
    if (argc != 5 && argc != 7) { fprintf(stderr, "usage: js-publish URLS SUBJECT COUNT SIZE\n"); return 2; }
    long count = atol(argv[3]), size = atol(argv[4]);
    natsConnection *nc = NULL; jsCtx *js = NULL; jsOptions options; natsStatus s;
    if ((s = natsConnection_ConnectTo(&nc, argv[1])) != NATS_OK) { fprintf(stderr, "connect: %s\n", natsStatus_GetText(s)); return 1; }
    jsOptions_Init(&options);
    options.PublishAsync.MaxPending = 4096;
    if ((s = natsConnection_JetStream(&js, nc, &options)) != NATS_OK) { fprintf(stderr, "jetstream: %s\n", natsStatus_GetText(s)); return 1; }
    if (argc == 7) {
        jsStreamConfig config; jsStreamInfo *info = NULL; jsErrCode code = 0;
        const char *subjects[1] = { argv[2] };
        jsStreamConfig_Init(&config);
        config.Name = argv[5]; config.Subjects = subjects; config.SubjectsLen = 1;
        config.Storage = js_FileStorage; config.Replicas = atoi(argv[6]); config.Duplicates = (int64_t)120 * 1000000000;
        if ((s = js_AddStream(&info, js, &config, NULL, &code)) != NATS_OK) { fprintf(stderr, "add stream: %s %d\n", natsStatus_GetText(s), code); return 1; }
        jsStreamInfo_Destroy(info);
    }
    char *payload = malloc(size);
    for (long i = 0; i < size; i++) payload[i] = (i % 100 == 99) ? '\n' : 'a' + (char)(i % 26);
    char id[64];
    double rate = getenv("RATE") ? atof(getenv("RATE")) : 0;
    double burst = (getenv("BURST_MS") ? atof(getenv("BURST_MS")) : 10) / 1000;
    double start = now();
    for (long i = 0; i < count; i++) {
        if (rate > 0) {
            double wait = start + (long)(i / (rate * burst)) * burst - now();
            if (wait > 0) { struct timespec t = { (time_t)wait, (long)((wait - (time_t)wait) * 1e9) }; nanosleep(&t, NULL); }
        }
        natsMsg *msg = NULL;
        natsMsg_Create(&msg, argv[2], NULL, payload, (int)size);
        snprintf(id, sizeof id, "baseline/%d/%ld", (int)start, i);
        natsMsgHeader_Set(msg, "Nats-Msg-Id", id);
        if ((s = js_PublishMsgAsync(js, &msg, NULL)) != NATS_OK) { fprintf(stderr, "publish: %s\n", natsStatus_GetText(s)); return 1; }
    }
    jsPubOptions wait; jsPubOptions_Init(&wait); wait.MaxWait = 60000;
    if ((s = js_PublishAsyncComplete(js, &wait)) != NATS_OK) { fprintf(stderr, "complete: %s\n", natsStatus_GetText(s)); return 1; }
    natsMsgList failed; int failures = 0;
    if (js_PublishAsyncGetPendingList(&failed, js) == NATS_OK) { failures = failed.Count; natsMsgList_Destroy(&failed); }
    printf("%ld %.3f\n", count - failures, now() - start);
    jsCtx_Destroy(js); natsConnection_Destroy(nc); free(payload);
    return failures ? 1 : 0;
}
