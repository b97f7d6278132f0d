/* metrics.c: see metrics.h. */
#include "metrics.h"

#include <time.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static _Atomic uint64_t counters[GFDX_M_COUNTER_COUNT];
static _Atomic int64_t gauges[GFDX_G_COUNT];
static struct MHD_Daemon *httpd;
static char metrics_service[64];

static const char *const counter_names[] = {
    "gfdx_records_consumed_total", "gfdx_records_applied_total", "gfdx_records_refused_total",
    "gfdx_duplicates_total", "gfdx_dead_letters_total", "gfdx_batches_total", "gfdx_batch_retries_total",
    "gfdx_outbox_published_total", "gfdx_batch_latency_ms_sum", "gfdx_outbox_failed_total",
    "gfdx_offset_gaps_total", "gfdx_unsigned_accepted_total",
};
static const char *const gauge_names[] = {"gfdx_consumer_lag", "gfdx_batch_latency_ms_max",
                                          "gfdx_outbox_pending", "gfdx_outbox_failed", "gfdx_up"};

static _Atomic uint64_t phases[GFDX_P_COUNT];
static const char *const phase_names[] = {"decode", "verify", "check", "begin", "duplicates", "load", "decide",
                                          "sign", "write", "commit", "collect", "relay"};

void gfdx_metrics_add(gfdx_metric m, uint64_t n) { atomic_fetch_add(&counters[m], n); }

uint64_t gfdx_metrics_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t gfdx_metrics_phase(gfdx_phase p, uint64_t since_us)
{
    uint64_t now = gfdx_metrics_now_us();
    atomic_fetch_add(&phases[p], now - since_us);
    return now;
}
void gfdx_metrics_set(gfdx_gauge g, int64_t v) { atomic_store(&gauges[g], v); }

static size_t render(char *buf, size_t len)
{
    size_t o = 0;
    for (int i = 0; i < GFDX_M_COUNTER_COUNT && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "# TYPE %s counter\n%s{service=\"%s\"} %llu\n", counter_names[i],
                              counter_names[i], metrics_service, (unsigned long long)atomic_load(&counters[i]));
    if (o < len)
        o += (size_t)snprintf(buf + o, len - o, "# TYPE gfdx_batch_phase_us_total counter\n");
    for (int i = 0; i < GFDX_P_COUNT && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "gfdx_batch_phase_us_total{service=\"%s\",phase=\"%s\"} %llu\n",
                              metrics_service, phase_names[i], (unsigned long long)atomic_load(&phases[i]));
    for (int i = 0; i < GFDX_G_COUNT && o < len; i++)
        o += (size_t)snprintf(buf + o, len - o, "# TYPE %s gauge\n%s{service=\"%s\"} %lld\n", gauge_names[i],
                              gauge_names[i], metrics_service, (long long)atomic_load(&gauges[i]));
    return o < len ? o : len;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **state)
{
    char body[8192];
    int status = MHD_HTTP_OK;
    size_t n;
    if (strcmp(method, "GET")) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        n = (size_t)snprintf(body, sizeof body, "GET only\n");
    } else if (strcmp(url, "/metrics")) {
        status = MHD_HTTP_NOT_FOUND;
        n = (size_t)snprintf(body, sizeof body, "see /metrics\n");
    } else {
        n = render(body, sizeof body);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

int gfdx_metrics_start(const char *service, const char *address, int port, char *err, size_t errlen)
{
    snprintf(metrics_service, sizeof metrics_service, "%s", service);
    gfdx_metrics_set(GFDX_G_UP, 1);
    if (port == 0)
        return 0;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "metrics.address \"%s\" is not an IPv4 address", address);
        return -1;
    }
    /* poll/epoll (MHD_USE_AUTO), not select: no FD_SETSIZE ceiling on the daemon's fds. */
    httpd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, (uint16_t)port, NULL, NULL, answer, NULL,
                             MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_LIMIT,
                             (unsigned)GFDX_METRICS_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                             (unsigned)GFDX_METRICS_MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
                             (unsigned)GFDX_METRICS_TIMEOUT_S, MHD_OPTION_END);
    if (!httpd) {
        snprintf(err, errlen, "cannot serve /metrics on %s:%d", address, port);
        return -1;
    }
    return 0;
}

void gfdx_metrics_stop(void)
{
    if (httpd)
        MHD_stop_daemon(httpd);
    httpd = NULL;
}
