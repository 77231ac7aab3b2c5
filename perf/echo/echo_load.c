/* echo_load — closed-loop ping-pong load generator for echo servers.
 *
 * Opens --connections TCP connections to --addr (IPv4 only) and keeps exactly
 * one --size byte message in flight on each: send it, wait until every byte
 * has come back, compare it with what was sent, record the round-trip time,
 * send the next.  The first --warmup seconds run but are not measured; then
 * it measures for --seconds and prints one JSON line to stdout:
 *
 *   {"messages_per_sec":123456.7,"p50_us":12.30,"p99_us":45.60,
 *    "messages":N,"errors":0,"connections":100,"size":64,"seconds":5,
 *    "load_cpu_pct":97.0}
 *
 * A message counts if its last byte arrived inside the measured window, so
 * messages_per_sec is messages / seconds exactly.  load_cpu_pct is this
 * process's CPU use over the whole run: near 100 means the load generator,
 * not the server, may be what limits the figure.
 *
 * Exit status: 0 on success; 1 if it cannot connect or a system call fails;
 * 2 on bad options; 3 if any message came back wrong or a connection died
 * (the JSON is still printed, with "errors" > 0, but the figures are suspect).
 *
 * Single-threaded on purpose: run.sh pins it to one core and the server to
 * another.  Latencies go into a fixed-size log-linear histogram (< 1% error),
 * so memory does not grow with the run length.
 *
 * Example: echo_load --addr 127.0.0.1:7000 --connections 100 --size 64 \
 *                    --seconds 5 --warmup 1
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- log-linear histogram of nanoseconds -------------------------------
 * Values below 128 get a bucket each; above that, every power of two is split
 * into 64 linear sub-buckets, so a bucket spans at most 1/64 of its value and
 * its midpoint is within 0.8% of anything in it.  3,776 buckets cover 2^64. */
enum { SUB_BITS = 7, SUB_HALF = 1 << (SUB_BITS - 1) };
enum { HIST_BUCKETS = (64 - SUB_BITS + 1) * SUB_HALF + SUB_HALF };

static uint64_t g_hist[HIST_BUCKETS];
static uint64_t g_hist_count;

static unsigned hist_index(uint64_t v) {
    if (v < (1u << SUB_BITS))
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - (SUB_BITS - 1); /* v >> shift lies in [64, 128) */
    return shift * SUB_HALF + (unsigned)(v >> shift);
}

static double hist_value(unsigned idx) { /* midpoint of bucket idx */
    if (idx < (1u << SUB_BITS))
        return (double)idx;
    unsigned shift = idx / SUB_HALF - 1;
    uint64_t top = idx % SUB_HALF + SUB_HALF;
    return (double)(top << shift) + (double)(1ull << shift) / 2.0;
}

static void hist_add(uint64_t v) {
    g_hist[hist_index(v)]++;
    g_hist_count++;
}

static double hist_percentile(double p) { /* nearest rank, in ns */
    if (g_hist_count == 0)
        return 0.0;
    uint64_t rank = (uint64_t)(p * (double)g_hist_count);
    if ((double)rank < p * (double)g_hist_count)
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += g_hist[i];
        if (seen >= rank)
            return hist_value(i);
    }
    return hist_value(HIST_BUCKETS - 1);
}

/* ---- options ----------------------------------------------------------- */
struct opts {
    struct sockaddr_in addr;
    const char *addr_text;
    long connections, size, seconds, warmup;
};

static void usage(FILE *to) {
    fprintf(to, "usage: echo_load --addr 127.0.0.1:PORT [--connections 100] [--size 64]\n"
                "                 [--seconds 5] [--warmup 1]\n");
}

static long parse_long(const char *name, const char *s, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "echo_load: --%s must be an integer in [%ld, %ld], got '%s'\n",
                name, lo, hi, s);
        exit(2);
    }
    return v;
}

static void parse_addr(const char *text, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(text, ':');
    size_t hlen = colon ? (size_t)(colon - text) : 0;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (colon == NULL || hlen == 0 || hlen >= sizeof host) {
        fprintf(stderr, "echo_load: --addr must be IPv4:PORT, got '%s'\n", text);
        exit(2);
    }
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        fprintf(stderr, "echo_load: --addr host '%s' is not an IPv4 address\n", host);
        exit(2);
    }
    sa->sin_port = htons((uint16_t)parse_long("addr port", colon + 1, 1, 65535));
}

static struct opts parse_opts(int argc, char **argv) {
    static const struct option long_opts[] = {
        {"addr", required_argument, NULL, 'a'},    {"connections", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},    {"seconds", required_argument, NULL, 't'},
        {"warmup", required_argument, NULL, 'w'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct opts o = {.connections = 100, .size = 64, .seconds = 5, .warmup = 1};
    int ch;
    while ((ch = getopt_long(argc, argv, "a:c:s:t:w:h", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'a': o.addr_text = optarg; parse_addr(optarg, &o.addr); break;
        case 'c': o.connections = parse_long("connections", optarg, 1, 10000); break;
        case 's': o.size = parse_long("size", optarg, 1, 1 << 20); break;
        case 't': o.seconds = parse_long("seconds", optarg, 1, 3600); break;
        case 'w': o.warmup = parse_long("warmup", optarg, 0, 600); break;
        case 'h': usage(stdout); exit(0);
        default: usage(stderr); exit(2);
        }
    }
    if (o.addr_text == NULL || optind != argc) {
        usage(stderr);
        exit(2);
    }
    return o;
}

/* ---- connections ------------------------------------------------------- */
struct conn {
    int fd;
    int want_out;       /* EPOLLOUT is in the interest set (partial send) */
    uint32_t id;
    uint64_t seq;       /* number of the message in flight */
    size_t sent, recvd; /* progress of the message in flight */
    uint64_t start_ns;  /* when it was first handed to send() */
    unsigned char *out, *in;
};

static size_t g_size;
static int g_ep;
static uint64_t g_errors, g_messages;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what) {
    fprintf(stderr, "echo_load: %s: %s\n", what, strerror(errno));
    exit(1);
}

static uint64_t cpu_ns(void) { /* user + system time of this process */
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ((uint64_t)ru.ru_utime.tv_sec + (uint64_t)ru.ru_stime.tv_sec) * 1000000000u +
           ((uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_usec) * 1000u;
}

/* A blocking connect bounded by SO_SNDTIMEO (Linux applies it to connect),
 * then non-blocking for the run.  Loopback either connects or is refused at
 * once; the timeout only guards against a listener whose backlog is full. */
static int open_conn(const struct opts *o, long i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket (raise ulimit -n for many connections?)");
    struct timeval tv = {.tv_sec = 3};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (const struct sockaddr *)&o->addr, sizeof o->addr) < 0) {
        fprintf(stderr, "echo_load: cannot connect to %s (connection %ld of %ld): %s\n",
                o->addr_text, i + 1, o->connections,
                errno == EINPROGRESS ? "timed out" : strerror(errno));
        exit(1);
    }
    int one = 1; /* ping-pong is latency-bound; Nagle would only add delay */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        die("fcntl O_NONBLOCK");
    return fd;
}

static void set_out_interest(struct conn *c, int want) {
    if (c->want_out == want)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (want ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl");
    c->want_out = want;
}

static void conn_fail(struct conn *c, const char *why, long *alive) {
    static unsigned reported; /* the first few say why; the rest only count */
    if (reported++ < 5)
        fprintf(stderr, "echo_load: connection %u: %s%s\n", c->id, why,
                reported == 5 ? " (further connection errors not shown)" : "");
    g_errors++;
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    (*alive)--;
}

/* Sends what is left of the message in flight; -1 if the connection died. */
static int conn_send(struct conn *c) {
    while (c->sent < g_size) {
        ssize_t n = send(c->fd, c->out + c->sent, g_size - c->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                return -1;
            set_out_interest(c, 1);
            return 0;
        }
        c->sent += (size_t)n;
    }
    set_out_interest(c, 0);
    return 0;
}

/* Starts message seq+1.  Its first bytes carry the connection id and sequence
 * number, so a server that returns another connection's bytes or a stale
 * message fails the comparison; the rest keeps its start-up pattern. */
static int conn_start(struct conn *c, uint64_t now) {
    uint64_t stamp[2] = {c->id, ++c->seq};
    memcpy(c->out, stamp, g_size < sizeof stamp ? g_size : sizeof stamp);
    c->sent = c->recvd = 0;
    c->start_ns = now;
    return conn_send(c);
}

/* Reads the echo; on a complete message checks it, records it if it finished
 * inside [measure_from, measure_to), and sends the next one. */
static void conn_readable(struct conn *c, uint64_t measure_from, uint64_t measure_to,
                          long *alive) {
    ssize_t n = recv(c->fd, c->in + c->recvd, g_size - c->recvd, 0);
    if (n == 0) {
        conn_fail(c, "server closed the connection", alive);
        return;
    }
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            conn_fail(c, strerror(errno), alive);
        return;
    }
    c->recvd += (size_t)n;
    if (c->recvd < g_size)
        return;
    uint64_t t = now_ns();
    if (memcmp(c->in, c->out, g_size) != 0)
        g_errors++; /* the stream stays aligned: we read exactly g_size bytes */
    else if (t >= measure_from && t < measure_to) {
        hist_add(t - c->start_ns);
        g_messages++;
    }
    if (conn_start(c, t) < 0)
        conn_fail(c, strerror(errno), alive);
}

int main(int argc, char **argv) {
    struct opts o = parse_opts(argc, argv);
    g_size = (size_t)o.size;
    signal(SIGPIPE, SIG_IGN);

    g_ep = epoll_create1(EPOLL_CLOEXEC);
    if (g_ep < 0)
        die("epoll_create1");
    struct conn *conns = calloc((size_t)o.connections, sizeof *conns);
    if (conns == NULL)
        die("calloc");
    for (long i = 0; i < o.connections; i++) {
        struct conn *c = &conns[i];
        c->id = (uint32_t)i;
        c->fd = open_conn(&o, i);
        c->out = malloc(g_size);
        c->in = malloc(g_size);
        if (c->out == NULL || c->in == NULL)
            die("malloc");
        for (size_t b = 0; b < g_size; b++)
            c->out[b] = (unsigned char)(b * 131u + (size_t)i * 7u);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
            die("epoll_ctl add");
    }

    long alive = o.connections;
    uint64_t cpu0 = cpu_ns(), t0 = now_ns();
    uint64_t measure_from = t0 + (uint64_t)o.warmup * 1000000000u;
    uint64_t measure_to = measure_from + (uint64_t)o.seconds * 1000000000u;
    for (long i = 0; i < o.connections; i++)
        if (conn_start(&conns[i], t0) < 0)
            conn_fail(&conns[i], strerror(errno), &alive);

    enum { MAX_EVENTS = 256 };
    struct epoll_event evs[MAX_EVENTS];
    for (uint64_t now = t0; now < measure_to && alive > 0; now = now_ns()) {
        int timeout_ms = (int)((measure_to - now) / 1000000u) + 1;
        int n = epoll_wait(g_ep, evs, MAX_EVENTS, timeout_ms);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c->fd < 0)
                continue; /* closed earlier in this batch */
            if ((evs[i].events & EPOLLOUT) && c->sent < g_size && conn_send(c) < 0) {
                conn_fail(c, strerror(errno), &alive);
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                conn_readable(c, measure_from, measure_to, &alive);
        }
    }
    double load_cpu_pct = 100.0 * (double)(cpu_ns() - cpu0) / (double)(now_ns() - t0);
    /* Freed so a sanitizer build (WEFT_SANITIZE) reports no leaks: LSan would
     * turn the exit status into 1 and drop the unflushed JSON line. */
    for (long i = 0; i < o.connections; i++) {
        if (conns[i].fd >= 0)
            close(conns[i].fd);
        free(conns[i].out);
        free(conns[i].in);
    }
    free(conns);
    close(g_ep);
    if (alive == 0)
        fprintf(stderr, "echo_load: every connection failed; the run ended early\n");

    printf("{\"messages_per_sec\":%.1f,\"p50_us\":%.2f,\"p99_us\":%.2f,\"messages\":%llu,"
           "\"errors\":%llu,\"connections\":%ld,\"size\":%ld,\"seconds\":%ld,\"load_cpu_pct\":%.1f}\n",
           (double)g_messages / (double)o.seconds, hist_percentile(0.50) / 1000.0,
           hist_percentile(0.99) / 1000.0, (unsigned long long)g_messages,
           (unsigned long long)g_errors, o.connections, o.size, o.seconds, load_cpu_pct);
    fflush(stdout);
    if (g_errors > 0) {
        fprintf(stderr, "echo_load: %llu errors (mismatched echoes or dead connections)\n",
                (unsigned long long)g_errors);
        return 3;
    }
    return 0;
}
