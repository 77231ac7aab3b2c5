/* epoll_echo — the plain-epoll echo server that perf/echo/run.sh uses as the
 * baseline ("floor") for weft's echo example.
 *
 * It is deliberately what a competent C programmer writes in an afternoon,
 * no more: one thread, level-triggered epoll, non-blocking sockets, one
 * read() of up to 64 KiB per readiness event and a write() of what was read.
 * No batching tricks, no io_uring, no busy polling.  Beating it means weft's
 * abstractions cost nothing measurable; losing to it is a regression.
 *
 * Run:  epoll_echo --port 7000          (listens on 127.0.0.1 only)
 *       epoll_echo --port 0             (kernel picks; the port is printed)
 * Try:  nc 127.0.0.1 7000
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
#include <unistd.h>

enum { READ_MAX = 64 * 1024, MAX_EVENTS = 256 };

/* Per-connection state.  `pending` holds bytes the kernel did not take on a
 * partial write; while it is non-empty we stop reading from this peer (so an
 * echo client that never reads cannot make us buffer without bound) and wait
 * for EPOLLOUT instead. */
struct conn {
    int fd;
    char *pending;
    size_t pending_len;
    size_t pending_off;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static void die(const char *what) {
    fprintf(stderr, "epoll_echo: %s: %s\n", what, strerror(errno));
    exit(1);
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
    char *p = malloc(rest);
    if (p == NULL)
        return -1;
    memcpy(p, buf + n, rest);
    c->pending = p;
    c->pending_len = rest;
    c->pending_off = 0;
    return set_interest(ep, c, EPOLLOUT);
}

/* Flushes c->pending on EPOLLOUT; once drained, goes back to reading. */
static int conn_flush(int ep, struct conn *c) {
    while (c->pending_off < c->pending_len) {
        ssize_t n = write(c->fd, c->pending + c->pending_off,
                          c->pending_len - c->pending_off);
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

/* One read per readiness event: with level triggering a full 64 KiB read
 * simply fires again, and for small ping-pong messages a second read would
 * only return EAGAIN, costing a syscall per message. */
static int conn_readable(int ep, struct conn *c, char *buf) {
    ssize_t n = read(c->fd, buf, READ_MAX);
    if (n == 0)
        return -1; /* peer closed */
    if (n < 0)
        return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    return conn_send(ep, c, buf, (size_t)n);
}

static void accept_all(int ep, int lfd) {
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("epoll_echo: accept4");
            return; /* EAGAIN, or EMFILE and friends: try again next event */
        }
        int one = 1; /* echo replies are latency-bound; never wait for Nagle */
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

static int parse_port(int argc, char **argv) {
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int port = -1, ch;
    while ((ch = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
        if (ch == 'p') {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 0 || v > 65535) {
                fprintf(stderr, "epoll_echo: bad --port '%s'\n", optarg);
                exit(2);
            }
            port = (int)v;
        } else {
            fprintf(stderr, "usage: epoll_echo --port N   (0 = any free port)\n");
            exit(ch == 'h' ? 0 : 2);
        }
    }
    if (port < 0 || optind != argc) {
        fprintf(stderr, "usage: epoll_echo --port N   (0 = any free port)\n");
        exit(2);
    }
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
    fprintf(stderr, "epoll_echo: listening on 127.0.0.1:%d\n", bound_port(lfd));

    static char buf[READ_MAX]; /* shared: data never outlives one event */
    struct epoll_event evs[MAX_EVENTS];
    while (!g_stop) {
        int n = epoll_wait(ep, evs, MAX_EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait");
        }
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
                rc = conn_readable(ep, c, buf);
            if (rc < 0)
                conn_close(c);
        }
    }
    /* Open connections are reclaimed by process exit; nothing to flush. */
    fprintf(stderr, "epoll_echo: stopping\n");
    close(ep);
    close(lfd);
    return 0;
}
