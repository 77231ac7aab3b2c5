/* idle_conns — opens many keep-alive HTTP connections and leaves them idle,
 * so perf/http/run.sh can measure what an idle connection costs a server.
 *
 * Each connection sends one "GET / HTTP/1.1\r\nHost: x\r\n\r\n", reads the
 * whole response (headers and Content-Length body, which must be a 200),
 * then stays open without sending anything.  At most --parallel connections
 * are in setup at a time, so the server's listen backlog never overflows.
 * When every response has been read it prints "ready ..." on stdout and
 * holds the connections until --hold-seconds pass or SIGTERM/SIGINT.  A
 * connection the server closes while idle is reported on stderr.
 *
 * Usage: idle_conns --port N [--count 10000] [--hold-seconds 60]
 *                   [--parallel 256] [--timeout 30]        (to 127.0.0.1)
 * Exit status: 0 after holding, 1 when a connection failed or setup took
 * longer than --timeout seconds, 2 on bad arguments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { RESPONSE_MAX = 1024, MAX_EVENTS = 256 };
enum state { CONNECTING, READING, IDLE };

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

struct conn {
    int fd;
    enum state state;
    size_t len;
    char buf[RESPONSE_MAX];
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "idle_conns: %s: %s\n", what, detail);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
    fprintf(stderr, "usage: idle_conns --port N [--count 10000] [--hold-seconds 60]"
                    " [--parallel 256] [--timeout 30]\n");
    exit(2);
}

static long parse_num(const char *name, const char *s, long lo, long hi) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "idle_conns: bad --%s '%s' (%ld..%ld)\n", name, s, lo, hi);
        exit(2);
    }
    return v;
}

/* Room for count sockets plus stdio and epoll; root may raise the hard limit. */
static void raise_nofile(long count) {
    struct rlimit rl;
    rlim_t want = (rlim_t)count + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
        return;
    if (rl.rlim_max < want)
        rl.rlim_max = want; /* fails unless privileged; checked below */
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        fail("setrlimit RLIMIT_NOFILE (raise `ulimit -Hn`)", strerror(errno));
}

static void start_connect(int ep, struct conn *c, int port) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        fail("socket", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
        fail("connect", strerror(errno));
    c->state = CONNECTING;
    struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        fail("epoll_ctl", strerror(errno));
}

/* Returns 1 once the whole response is in c->buf, 0 while more must come. */
static int response_complete(struct conn *c) {
    c->buf[c->len] = '\0';
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) {
        if (c->len + 1 >= RESPONSE_MAX)
            fail("response", "headers larger than 1 KiB");
        return 0;
    }
    if (strncmp(c->buf, "HTTP/1.1 200 ", 13) != 0)
        fail("response is not 200", strtok(c->buf, "\r"));
    size_t body = 0;
    for (char *line = c->buf; line != NULL && line < end; line = strchr(line, '\n')) {
        line += *line == '\n';
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            body = strtoul(line + 15, NULL, 10);
    }
    size_t total = (size_t)(end + 4 - c->buf) + body;
    if (total >= RESPONSE_MAX)
        fail("response", "larger than 1 KiB");
    if (c->len > total)
        fail("response", "more bytes than one response");
    return c->len == total;
}

/* Advances one connection on an event; returns 1 when it became idle. */
static int on_event(int ep, struct conn *c) {
    if (c->state == CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
            fail("connect", strerror(err));
        if (write(c->fd, REQUEST, sizeof REQUEST - 1) != (ssize_t)(sizeof REQUEST - 1))
            fail("write request", strerror(errno));
        c->state = READING;
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.ptr = c};
        if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
            fail("epoll_ctl", strerror(errno));
        return 0;
    }
    ssize_t n = read(c->fd, c->buf + c->len, RESPONSE_MAX - 1 - c->len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0) {
        if (c->state == IDLE) { /* the server dropped an idle connection */
            fprintf(stderr, "idle_conns: server closed an idle connection\n");
            exit(1);
        }
        fail("read response", n == 0 ? "connection closed" : strerror(errno));
    }
    if (c->state == IDLE)
        fail("idle connection", "unexpected bytes from the server");
    c->len += (size_t)n;
    if (!response_complete(c))
        return 0;
    c->state = IDLE; /* still watched, to notice a close by the server */
    return 1;
}

int main(int argc, char **argv) {
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"count", required_argument, NULL, 'c'},
                                         {"hold-seconds", required_argument, NULL, 'H'},
                                         {"parallel", required_argument, NULL, 'P'},
                                         {"timeout", required_argument, NULL, 't'},
                                         {NULL, 0, NULL, 0}};
    long port = -1, count = 10000, hold = 60, parallel = 256, timeout = 30;
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'p': port = parse_num("port", optarg, 1, 65535); break;
        case 'c': count = parse_num("count", optarg, 1, 1000000); break;
        case 'H': hold = parse_num("hold-seconds", optarg, 0, 86400); break;
        case 'P': parallel = parse_num("parallel", optarg, 1, 100000); break;
        case 't': timeout = parse_num("timeout", optarg, 1, 86400); break;
        default: usage();
        }
    }
    if (port < 0 || optind != argc)
        usage();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_nofile(count);

    struct conn *conns = calloc((size_t)count, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (conns == NULL || ep < 0)
        fail("setup", strerror(errno));
    long started = 0, idle = 0;
    double deadline = now_s() + (double)timeout;
    struct epoll_event evs[MAX_EVENTS];
    while (idle < count && !g_stop) {
        while (started < count && started - idle < parallel)
            start_connect(ep, &conns[started++], (int)port);
        int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
        if (n < 0 && errno != EINTR)
            fail("epoll_wait", strerror(errno));
        for (int i = 0; i < n; i++)
            idle += on_event(ep, evs[i].data.ptr);
        if (now_s() > deadline) {
            fprintf(stderr, "idle_conns: only %ld of %ld connections ready after %ld s\n", idle,
                    count, timeout);
            return 1;
        }
    }
    if (g_stop)
        return 1;
    printf("ready %ld connections idle; response %zu bytes\n", idle, conns[0].len);
    fflush(stdout);

    deadline = now_s() + (double)hold;
    while (!g_stop && now_s() < deadline) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, 200);
        for (int i = 0; i < n; i++)
            on_event(ep, evs[i].data.ptr);
    }
    return 0; /* process exit closes every connection */
}
