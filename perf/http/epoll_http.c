/* epoll_http — the plain-epoll HTTP server that perf/http/run.sh uses as the
 * floor for weft's hello example: what any framework could at best reach.
 *
 * One thread, level-triggered epoll, non-blocking sockets, one read() of up
 * to 64 KiB per readiness event.  It does not parse HTTP: every "\r\n\r\n"
 * in the byte stream ends a request, and each one gets the same canned
 * "200 Hello, World!" response (with a real Date header, refreshed once a
 * second, so its size matches what a real server sends).  All the responses
 * to one read go out in a single write().  The only per-connection state is
 * the fd, how much of a "\r\n\r\n" the previous read ended in (so a
 * terminator split across reads still counts), and any unsent output.
 *
 * Run:  epoll_http --port 8080          (listens on 127.0.0.1 only)
 *       epoll_http --port 0             (kernel picks; the port is printed)
 * Try:  curl -i http://127.0.0.1:8080/
 * Stops cleanly on SIGTERM or SIGINT.
 */
#define _GNU_SOURCE /* accept4, SOCK_NONBLOCK */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { READ_MAX = 64 * 1024, MAX_EVENTS = 256 };

/* "Date: " is followed by 29 bytes, "Thu, 01 Jan 1970 00:00:00 GMT". */
static char g_response[] = "HTTP/1.1 200 OK\r\n"
                           "Server: epoll_http\r\n"
                           "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
                           "Content-Type: text/plain\r\n"
                           "Content-Length: 13\r\n"
                           "\r\n"
                           "Hello, World!";
enum { RESPONSE_LEN = sizeof g_response - 1 };

struct conn {
    int fd;
    int matched; /* bytes of "\r\n\r\n" matched at the end of the last read */
    char *pending; /* unsent output; while set, the peer is not read */
    size_t pending_len;
    size_t pending_off;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void die(const char *what) {
    fprintf(stderr, "epoll_http: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* Rewrites the Date header in place when the second has changed. */
static void refresh_date(void) {
    static time_t last = -1;
    time_t now = time(NULL);
    if (now == last)
        return;
    last = now;
    struct tm tm;
    char date[32];
    gmtime_r(&now, &tm);
    if (strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 29)
        memcpy(strstr(g_response, "Date: ") + 6, date, 29);
}

static void conn_close(struct conn *c) {
    close(c->fd); /* close() also removes the fd from the epoll set */
    free(c->pending);
    free(c);
}

static int set_interest(int ep, struct conn *c, unsigned events) {
    struct epoll_event ev = {.events = events, .data.ptr = c};
    return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes buf[0..len) to c; keeps any unwritten tail in c->pending and
 * switches the connection to EPOLLOUT.  Returns -1 if the connection died. */
static int conn_send(int ep, struct conn *c, const char *buf, size_t len) {
    ssize_t n = write(c->fd, buf, len);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1;
        n = 0;
    }
    if ((size_t)n == len)
        return 0;
    size_t rest = len - (size_t)n;
    if ((c->pending = malloc(rest)) == NULL)
        return -1;
    memcpy(c->pending, buf + n, rest);
    c->pending_len = rest;
    c->pending_off = 0;
    return set_interest(ep, c, EPOLLOUT);
}

/* Flushes c->pending on EPOLLOUT; once drained, goes back to reading. */
static int conn_flush(int ep, struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = write(c->fd, c->pending + c->pending_off, c->pending_len - c->pending_off);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0; /* still full; EPOLLOUT will fire again */
            if (errno == EINTR)
                continue;
            return -1;
        }
        c->pending_off += (size_t)n;
    }
    free(c->pending);
    c->pending = NULL;
    c->pending_len = c->pending_off = 0;
    return set_interest(ep, c, EPOLLIN);
}

/* Counts the "\r\n\r\n" in buf[0..len), carrying a partial match in *matched. */
static size_t count_requests(const char *buf, size_t len, int *matched) {
    static const char end[4] = {'\r', '\n', '\r', '\n'};
    size_t count = 0;
    int m = *matched;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == end[m]) {
            if (++m == 4) {
                count++;
                m = 0;
            }
        } else {
            m = buf[i] == '\r'; /* "\r\n\r\r" still starts a new match */
        }
    }
    *matched = m;
    return count;
}

/* One read per readiness event (level-triggered: a full read fires again),
 * then one write with a response for every request that read completed. */
static int conn_readable(int ep, struct conn *c, char *in, char **out, size_t *out_cap) {
    ssize_t n = read(c->fd, in, READ_MAX);
    if (n == 0)
        return -1; /* peer closed */
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    size_t count = count_requests(in, (size_t)n, &c->matched);
    if (count == 0)
        return 0;
    size_t need = count * RESPONSE_LEN;
    if (need > *out_cap) {
        char *p = realloc(*out, need);
        if (p == NULL)
            return -1;
        *out = p;
        *out_cap = need;
    }
    for (size_t i = 0; i < count; i++)
        memcpy(*out + i * RESPONSE_LEN, g_response, RESPONSE_LEN);
    return conn_send(ep, c, *out, need);
}

static void accept_all(int ep, int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("epoll_http: accept4");
            return; /* EAGAIN, or EMFILE and friends: try again next event */
        }
        int one = 1; /* a response must never wait for Nagle */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct conn *c = calloc(1, sizeof *c);
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        if (c == NULL || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            free(c);
            close(fd);
            continue;
        }
        c->fd = fd;
    }
}

static int listen_on(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        die("bind 127.0.0.1");
    if (listen(fd, SOMAXCONN) < 0)
        die("listen");
    return fd;
}

static int bound_port(int fd) {
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        die("getsockname");
    return ntohs(sa.sin_port);
}

static void usage(int status) {
    fprintf(stderr, "usage: epoll_http --port N   (0 = any free port)\n");
    exit(status);
}

static int parse_port(int argc, char **argv) {
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int port = -1, ch;
    while ((ch = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        if (ch != 'p')
            usage(ch == 'h' ? 0 : 2);
        char *end;
        long v = strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || v < 0 || v > 65535) {
            fprintf(stderr, "epoll_http: bad --port '%s'\n", optarg);
            exit(2);
        }
        port = (int)v;
    }
    if (port < 0 || optind != argc)
        usage(2);
    return port;
}

int main(int argc, char **argv) {
    int port = parse_port(argc, argv);

    /* No SA_RESTART: SIGTERM must interrupt epoll_wait so the loop can end. */
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a peer reset must be an EPIPE, not a death */

    int lfd = listen_on(port);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        die("epoll_create1");
    /* The listener is told apart from connections by a NULL data.ptr. */
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0)
        die("epoll_ctl listener");
    fprintf(stderr, "epoll_http: listening on 127.0.0.1:%d\n", bound_port(lfd));

    static char in[READ_MAX]; /* shared: input never outlives one event */
    char *out = NULL;         /* shared: grows to the largest batch seen */
    size_t out_cap = 0;
    struct epoll_event evs[MAX_EVENTS];
    while (!g_stop) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
        refresh_date();
        for (int i = 0; i < n; i++) {
            struct conn *c = evs[i].data.ptr;
            if (c == NULL) {
                accept_all(ep, lfd);
                continue;
            }
            int rc;
            if (c->pending != NULL)
                rc = (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) ? conn_flush(ep, c) : 0;
            else
                rc = conn_readable(ep, c, in, &out, &out_cap);
            if (rc < 0)
                conn_close(c);
        }
    }
    /* Open connections are reclaimed by process exit; nothing to flush. */
    fprintf(stderr, "epoll_http: stopping\n");
    free(out);
    close(ep);
    close(lfd);
    return 0;
}
