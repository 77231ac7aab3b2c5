#!/usr/bin/env python3
"""Integration tests of the weft-proxy binary (the reverse proxy): real processes on
127.0.0.1, the proxy in front of test_backend.py processes (which a case may kill -9).
Each case runs against one backend:

    proxy_test.py --binary PATH --backend io_uring|epoll --case NAME

Exit status 0 = passed; the last line says "1 passed, 0 failed" or the reverse.
`--case all` runs every case in turn (for a quick manual run). Server, Conn and the
runner come from hello_test.py."""
import contextlib
import http.client
import itertools
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from hello_test import IO_TIMEOUT, Conn, Server, cases_in, request, run_cases  # noqa: E402
from test_backend import pattern  # noqa: E402

BACKEND = os.path.join(HERE, "test_backend.py")
BACKEND_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
MIB = 1024 * 1024


# ---------------------------------------------------------------------------------
# Backends, the proxy and its configuration

class Backend:
    """test_backend.py in its own process on a kernel-chosen port; its log lines kept."""

    def __init__(self, name):
        self.name = name
        self.process = subprocess.Popen([sys.executable, BACKEND, "--port", "0", "--name", name],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.port = None
        start = time.monotonic()
        while time.monotonic() - start < 10:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = BACKEND_LISTENING.search(line)
            if match:
                self.port = int(match.group(1))
                break
        if self.port is None:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"backend {name} did not start:\n" + "".join(self.lines) + self.process.stdout.read())
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def output(self):
        return "".join(self.lines)

    def kill(self):
        """kill -9, and wait until it is gone (its sockets closed by the kernel)."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def wait_for(self, text, timeout):
        """The first log line holding `text`, waiting up to `timeout` s; None if none came."""
        end = time.monotonic() + timeout
        while True:
            for line in list(self.lines):
                if text in line:
                    return line
            if time.monotonic() > end:
                return None
            time.sleep(0.02)


# conf/proxy.toml's [http] keys the cases rely on: bodies stream through, so the body
# limit is far above anything a case sends.
HTTP_DEFAULTS = {"http": {"body_timeout": "30s"}, "http.limits": {"max_body": 17179869184}}


def write_config(proxy=None, health=None, text=None):
    """A temporary TOML config: these [proxy] and [proxy.health] keys (or `text` as is),
    conf/proxy.toml's [http] keys, every other key at its default. No upstreams: the
    cases pass --upstream."""
    if text is None:
        lines = []
        sections = dict(HTTP_DEFAULTS)
        sections["proxy"] = proxy or {}
        sections["proxy.health"] = health or {}
        for section, values in sections.items():
            if not values:
                continue
            lines.append(f"[{section}]")
            for key, value in values.items():
                lines.append(f"{key} = {json.dumps(value)}")
            lines.append("")
        text = "\n".join(lines)
    with tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="proxy_test_", delete=False) as f:
        f.write(text)
        return f.name


def start_proxy(args, upstreams, proxy=None, health=None, cores=2, timeout=None):
    """weft-proxy in front of `upstreams` (Backends or "HOST:PORT"); a Server (hello_test's),
    which deletes its temporary config when stopped."""
    extra = []
    for upstream in upstreams:
        extra += ["--upstream", upstream if isinstance(upstream, str) else upstream.address]
    if timeout is not None:
        extra += ["--timeout", str(timeout)]
    config = write_config(proxy, health)
    try:
        return Server(args, config=config, cores=cores, extra_args=extra)
    except BaseException:
        os.unlink(config)
        raise


@contextlib.contextmanager
def proxied(args, names=("a", "b"), **proxy_options):
    """Backends of these names and a proxy in front of them; all stopped at the end (the
    proxy first, and it must exit 0 on SIGTERM when the case passed)."""
    with contextlib.ExitStack() as stack:
        backends = []
        for name in names:
            backend = Backend(name)
            stack.callback(backend.stop)
            backends.append(backend)
        proxy = stack.enter_context(start_proxy(args, backends, **proxy_options))
        yield proxy, backends


def dead_address():
    """127.0.0.1:PORT with nothing listening: a port the kernel just handed out, closed."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"127.0.0.1:{port}"


class Client:
    """One keep-alive http.client connection; get()/post() return (status, headers, body)."""

    def __init__(self, port, timeout=IO_TIMEOUT):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call(self, method, path, body=None, headers=None, **kwargs):
        self.conn.request(method, path, body=body, headers=headers or {}, **kwargs)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, response, data

    def get(self, path, headers=None):
        return self.call("GET", path, headers=headers)

    def post(self, path, body, headers=None, **kwargs):
        return self.call("POST", path, body=body, headers=headers, **kwargs)

    def close(self):
        self.conn.close()


def get_once(port, path, timeout=IO_TIMEOUT):
    """A GET on a connection of its own: (status, X-Backend, body)."""
    client = Client(port, timeout)
    try:
        status, response, body = client.get(path)
        return status, response.getheader("X-Backend"), body
    finally:
        client.close()


def established(port):
    """How many TCP connections to 127.0.0.1:`port` are established, counted at their
    client ends (what `ss -tn state established '( dport = :PORT )'` lists)."""
    count = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            remote, state = fields[2], fields[3]
            if state == "01" and remote == f"0100007F:{port:04X}":
                count += 1
    return count


def wait_until(predicate, timeout, step=0.02):
    end = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > end:
            return False
        time.sleep(step)


# ---------------------------------------------------------------------------------
# Forwarding

def case_forwards_and_balances(args):
    # One core: one round-robin cursor for every request.
    with proxied(args, cores=1) as (proxy, (a, b)):
        client = Client(proxy.port)
        seen = []
        for i in range(10):
            status, response, body = client.get("/name")
            assert status == 200, (i, status, body)
            name = response.getheader("X-Backend")
            assert body.decode() == name, f"request {i}: body {body!r} from backend {name!r}"
            assert response.getheader("Via") == "1.1 weft", response.getheaders()
            seen.append(name)
        assert set(seen) == {"a", "b"} and all(x != y for x, y in zip(seen, seen[1:])), \
            f"round robin should alternate: {seen}"
        # Every method, with its body.
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            body = b"data" if method in ("POST", "PUT", "PATCH") else None
            status, response, answer = client.call(method, "/method?x=1", body=body)
            assert (status, answer) == (200, f"{method} {len(body or b'')}".encode()), (method, status, answer)
        # A status and body of the backend's own pass through.
        status, response, body = client.get("/missing")
        assert (status, body) == (404, b"not found"), (status, body)
        assert response.getheader("X-Backend") in ("a", "b") and response.getheader("Via") == "1.1 weft", \
            response.getheaders()
        client.close()

        # The request fields the backend sees: hop-by-hop ones dropped, X-Forwarded-*
        # and Via added.
        c = Conn(proxy.port)
        hop = ["Connection: keep-alive, X-Hop", "X-Hop: secret", "Keep-Alive: timeout=5", "TE: trailers",
               "Upgrade: websocket", "Proxy-Connection: keep-alive", "X-Custom: kept", "User-Agent: proxy-test"]
        forwarded = ["X-Forwarded-For: 10.0.0.1", "Via: 1.0 edge", "X-Forwarded-Proto: https"]
        for extra, xff, via in ((hop, "127.0.0.1", "1.1 weft"),
                                (forwarded, "10.0.0.1, 127.0.0.1", "1.0 edge, 1.1 weft"),
                                (forwarded + ["X-Forwarded-For: 10.0.0.2, 10.0.0.3"],
                                 "10.0.0.1, 10.0.0.2, 10.0.0.3, 127.0.0.1", "1.0 edge, 1.1 weft")):
            c.send(request("GET", "/headers", extra))
            reply = c.response()
            assert reply.status == 200, reply
            fields = {}
            for name, value in json.loads(reply.body):
                fields.setdefault(name.lower(), []).append(value)
            assert fields.get("x-forwarded-for") == [xff], (extra, fields)
            assert fields.get("x-forwarded-proto") == ["http"], (extra, fields)
            assert fields.get("via") == [via], (extra, fields)
            if extra is hop:
                leaked = [n for n in ("x-hop", "keep-alive", "te", "upgrade", "proxy-connection") if n in fields]
                assert not leaked, f"the backend got hop-by-hop fields {leaked}: {fields}"
                connection = ",".join(fields.get("connection", [])).lower()
                assert "x-hop" not in connection, f"the client's Connection reached the backend: {fields}"
                assert fields.get("x-custom") == ["kept"] and fields.get("user-agent") == ["proxy-test"], fields
        # ...and the response fields the client sees.
        c.send(request("GET", "/hop"))
        reply = c.response()
        assert (reply.status, reply.body) == (200, b"hop"), reply
        names = {name.lower() for name, _ in reply.headers}
        leaked = [n for n in ("x-secret", "keep-alive", "upgrade", "proxy-connection") if n in names]
        assert not leaked, f"the client got the backend's hop-by-hop fields {leaked}: {reply.headers}"
        assert "x-secret" not in (reply.get("Connection") or "").lower(), reply.headers
        assert reply.get("X-Kept") == "yes", reply.headers
        assert reply.get("Via") == "1.1 backend-cache, 1.1 weft", reply.headers

        # HEAD: the GET's Content-Length, no body (the GET after it parses cleanly).
        for path, length in (("/big?bytes=12345", 12345), ("/big?bytes=1000000", 1000000), ("/name", 1)):
            c.send(request("HEAD", path) + request("GET", "/name"))
            head = c.response("HEAD")
            assert head.status == 200 and head.get("Content-Length") == str(length), (path, head)
            after = c.response()
            assert after.status == 200 and after.body in (b"a", b"b"), f"HEAD {path} carried a body: {after!r}"
        c.close()


def case_least_connections(args):
    # One core: in-flight counts are per core. A request counts until its response's
    # last byte: a slow answer (/sleep) and a long streamed download (/drip, whose head
    # comes at once) both keep their backend busy.
    with proxied(args, cores=1, proxy={"balance": "least_connections"}) as (proxy, (a, b)):
        client = Client(proxy.port)
        for long_path in ("/sleep?ms=1500", "/drip?pieces=16&ms=100"):
            long_result = {}

            def long_request(path=long_path, result=long_result):
                try:
                    result["reply"] = get_once(proxy.port, path)
                except Exception as error:  # noqa: BLE001 - reported below
                    result["error"] = repr(error)

            slow = threading.Thread(target=long_request, daemon=True)
            slow.start()
            started = None
            end = time.monotonic() + 5
            while started is None and time.monotonic() < end:
                for backend in (a, b):
                    if any("start" in l and long_path in l for l in list(backend.lines)):
                        started = backend
                time.sleep(0.01)
            assert started is not None, f"{long_path} did not reach a backend"
            time.sleep(0.2)  # the drip's head is through the proxy by now
            other = b if started is a else a
            quick = []
            for _ in range(6):
                status, response, _ = client.get("/name")
                assert status == 200, status
                quick.append(response.getheader("X-Backend"))
            still_running = slow.is_alive()
            slow.join(IO_TIMEOUT)
            assert "error" not in long_result, long_result
            status, name, _ = long_result["reply"]
            assert status == 200 and name == started.name, long_result
            assert still_running, f"the quick requests outlasted {long_path}: nothing measured"
            assert quick == [other.name] * 6, \
                f"with {started.name} busy on {long_path}, every quick request should go to {other.name}: {quick}"
            # Nothing in flight: both take requests again.
            after = [client.get("/name")[1].getheader("X-Backend") for _ in range(4)]
            assert set(after) == {"a", "b"}, f"idle, least connections should use both: {after}"
        client.close()


def case_post_echo_and_chunked(args):
    with proxied(args) as (proxy, _):
        client = Client(proxy.port)
        for body in (b"hello, proxy", b"", os.urandom(MIB)):
            status, response, echoed = client.post("/echo", body, {"Content-Type": "application/octet-stream"})
            assert status == 200, (len(body), status)
            assert echoed == body, f"{len(echoed)} bytes echoed of {len(body)}"
        # Chunked from the client: pieces of odd sizes.
        pieces = [os.urandom(n) for n in (1, 1000, 65536, 3, 200_000, 70_001)]
        status, _, echoed = client.post("/echo", iter(pieces), encode_chunked=True)
        assert status == 200 and echoed == b"".join(pieces), (status, len(echoed))
        status, response, counted = client.post("/count", iter(pieces * 10), encode_chunked=True)
        assert status == 200 and int(counted) == 10 * sum(map(len, pieces)), (status, counted)
        # curl sends `Expect: 100-continue` with a body over 1 MiB and waits for the 100
        # (here up to 5 s before it sends the body anyway).
        payload = os.urandom(2 * MIB + 17)
        with tempfile.NamedTemporaryFile(delete=False) as f:
            f.write(payload)
        try:
            started = time.monotonic()
            done = subprocess.run(["curl", "-sS", "--max-time", "10", "--expect100-timeout", "5", "--data-binary",
                                   "@" + f.name, "-H", "Content-Type: application/octet-stream", "-w",
                                   "\n%{http_code}", f"http://127.0.0.1:{proxy.port}/echo"], capture_output=True,
                                  timeout=20)
            took = time.monotonic() - started
        finally:
            os.unlink(f.name)
        assert done.returncode == 0, done.stderr
        echoed, _, code = done.stdout.rpartition(b"\n")
        assert code == b"200" and echoed == payload, (code, len(echoed))
        assert took < 3, f"curl's upload took {took:.1f} s: no `100 Continue` from the proxy?"
        # A large response, streamed.
        size = 5 * MIB
        status, response, body = client.get(f"/big?bytes={size}")
        assert status == 200 and len(body) == size, (status, len(body))
        assert body == pattern(0, size), "the 5 MiB body arrived changed"
        # And the connection still carries requests.
        status, _, body = client.get("/name")
        assert status == 200 and body in (b"a", b"b"), (status, body)
        client.close()


# ---------------------------------------------------------------------------------
# Failures: dead backends, deadlines, retries, health checks

def case_kill_backend_mid_load(args):
    threads, total, time_limit = 16, 2000, 25
    with proxied(args) as (proxy, (a, b)):
        records = []  # (started, ended, status, backend, error)
        counter = itertools.count()
        stop_at = time.monotonic() + time_limit

        def client():
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=IO_TIMEOUT)
            while time.monotonic() < stop_at:
                n = next(counter)
                if n >= total:
                    break
                started = time.monotonic()
                try:
                    conn.request("GET", f"/sleep?ms=20&n={n}")
                    response = conn.getresponse()
                    response.read()
                    records.append((started, time.monotonic(), response.status, response.getheader("X-Backend"),
                                    None))
                except Exception as error:  # noqa: BLE001 - counted below
                    records.append((started, time.monotonic(), None, None, repr(error)))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=IO_TIMEOUT)
            conn.close()

        workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        assert wait_until(lambda: len(records) >= total // 3, 15), f"only {len(records)} requests in 15 s"
        a.kill()
        killed_at = time.monotonic()
        for worker in workers:
            worker.join(max(0.1, stop_at + IO_TIMEOUT + 2 - time.monotonic()))
        hung = sum(worker.is_alive() for worker in workers)
        assert not hung, f"{hung} clients still waiting {IO_TIMEOUT} s past the time limit"
        errors = [r for r in records if r[4] is not None]
        assert not errors, f"{len(errors)} requests failed at the socket: {errors[:5]}"
        assert len(records) == total, f"{len(records)} of {total} requests done in {time_limit} s"
        before = [r for r in records if r[1] < killed_at]
        after = [r for r in records if r[0] > killed_at]
        assert {r[3] for r in before if r[2] == 200} == {"a", "b"}, "before the kill, both backends should serve"
        statuses = {}
        for r in records:
            statuses[r[2]] = statuses.get(r[2], 0) + 1
        assert set(statuses) <= {200, 502}, f"statuses other than 200 and 502: {statuses}"
        bad_gateways = statuses.get(502, 0)
        assert bad_gateways <= threads + 4, f"{bad_gateways} 502s: more than the requests in flight ({threads})"
        wrong = [r for r in after if r[2] != 200 or r[3] != "b"]
        assert len(after) > 100 and not wrong, \
            f"{len(wrong)} of {len(after)} requests started after the kill not 200 from b: {wrong[:5]}"
        slowest = max(r[1] - r[0] for r in records)
        assert slowest < IO_TIMEOUT, f"a request took {slowest:.1f} s"
        retried = sum(1 for line in proxy.lines if a.address in line and "trying the next" in line)
        print(f"{len(records)} requests ({len(before)} before the kill, {len(after)} after), "
              f"{bad_gateways} 502s, {retried} retried on b, slowest {slowest * 1e3:.0f} ms", flush=True)


def case_deadline_504(args):
    # One core: the fast requests share the reactor with the one waiting for its deadline.
    with proxied(args, names=("a",), cores=1, timeout=1) as (proxy, (a,)):
        assert get_once(proxy.port, "/name")[0] == 200  # started and warm
        slow_result = {}

        def slow_request():
            started = time.monotonic()
            try:
                slow_result["reply"] = get_once(proxy.port, "/sleep?ms=3000")
            except Exception as error:  # noqa: BLE001 - reported below
                slow_result["error"] = repr(error)
            slow_result["took"] = time.monotonic() - started

        slow = threading.Thread(target=slow_request, daemon=True)
        slow.start()
        latencies = []
        client = Client(proxy.port)
        while slow.is_alive() and len(latencies) < 100:
            for fresh in (False, True):  # on the kept connection and on new ones
                sent = time.monotonic()
                status = get_once(proxy.port, "/name")[0] if fresh else client.get("/name")[0]
                latencies.append(time.monotonic() - sent)
                assert status == 200, status
            time.sleep(0.05)
        slow.join(IO_TIMEOUT)
        client.close()
        assert "error" not in slow_result, slow_result
        status, name, body = slow_result["reply"]
        assert status == 504, f"expected 504 past the 1 s timeout, got {status} from {name}: {body[:100]!r}"
        assert 0.9 <= slow_result["took"] < 2.5, f"504 after {slow_result['took']:.2f} s; the timeout is 1 s"
        assert len(latencies) >= 10, f"only {len(latencies)} fast requests while the slow one waited"
        late = [f"{l * 1e3:.0f} ms" for l in latencies if l >= 0.5]
        assert not late, f"fast requests delayed while one waited for its deadline: {late}"
        assert "did not answer within 1000 ms; 504" in proxy.output(), proxy.output()
        # The connection that timed out is not reused: until the backend has written its
        # late answer (3 s after the request), and a little after, every request gets its
        # own answer, promptly.
        client = Client(proxy.port)
        until = time.monotonic() + 2.5
        while time.monotonic() < until:
            sent = time.monotonic()
            status, response, body = client.get("/name")
            took = time.monotonic() - sent
            assert (status, body) == (200, b"a"), \
                f"after the 504: {status} {body[:100]!r} (the late answer on a reused connection?)"
            assert took < 0.5, f"a request after the 504 took {took:.2f} s"
            time.sleep(0.1)
        client.close()


def case_slow_upload_is_not_cut(args):
    # The deadline counts from the end of the request: an upload that takes longer than
    # the timeout in total, but never pauses that long, reaches the backend whole.
    with proxied(args, names=("a",), cores=1, timeout=1) as (proxy, (a,)):
        pieces = [b"0123456789"] * 4
        s = socket.create_connection(("127.0.0.1", proxy.port), timeout=IO_TIMEOUT)
        try:
            s.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\nConnection: close\r\n\r\n")
            started = time.monotonic()
            for piece in pieces:
                time.sleep(0.6)  # 2.4 s in all, each pause under the 1 s timeout
                s.sendall(piece)
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        finally:
            s.close()
        assert time.monotonic() - started > 2.0
        assert reply.startswith(b"HTTP/1.1 200 "), reply[:200]
        assert reply.endswith(b"".join(pieces)), reply[-100:]


def case_dead_backend_502_and_retry(args):
    dead = dead_address()
    live = Backend("live")
    try:
        # Dead first: round robin starts there. A POST whose connect was refused has sent
        # nothing, so it goes to the next one.
        with start_proxy(args, [dead, live], cores=1) as proxy:
            client = Client(proxy.port)
            status, response, body = client.post("/echo", b"first post")
            assert (status, body) == (200, b"first post"), (status, body)
            for i in range(10):
                status, response, body = client.get("/name")
                assert (status, body) == (200, b"live"), (i, status, body)
            client.close()
            refused = [l for l in proxy.lines if dead in l and "trying the next" in l]
            assert len(refused) == 1, \
                f"{len(refused)} connects to the dead upstream; it should be ejected after the first:\n" + \
                "".join(refused)
        # A GET first: retried the same way.
        with start_proxy(args, [dead, live], cores=1) as proxy:
            for i in range(4):
                status, name, body = get_once(proxy.port, "/name")
                assert (status, body) == (200, b"live"), (i, status, body)
        # Nothing alive: 502 at once, every time (ejected or not, it is tried).
        with start_proxy(args, [dead], cores=1) as proxy:
            client = Client(proxy.port)
            for method in ("GET", "GET", "POST", "GET"):
                sent = time.monotonic()
                status, response, _ = client.call(method, "/name", body=b"x" if method == "POST" else None)
                took = time.monotonic() - sent
                assert status == 502, f"{method} to a dead upstream: {status}"
                assert took < 1, f"{method} to a dead upstream took {took:.2f} s"
            client.close()
    finally:
        live.stop()


def case_upstream_by_host_name(args):
    backend = Backend("named")
    try:
        # localhost may also name ::1, where nothing listens: that entry is refused,
        # ejected and retried on the next, so every request is still answered.
        with start_proxy(args, [f"localhost:{backend.port}"], cores=1) as proxy:
            for i in range(6):
                status, name, body = get_once(proxy.port, "/name")
                assert (status, body) == (200, b"named"), (i, status, body)
            started = [l for l in proxy.lines if "weft-proxy on" in l]
            assert started and f"localhost:{backend.port}" in started[0], started
    finally:
        backend.stop()
    # A name that does not resolve stops the proxy at start, naming the upstream.
    done, _ = run_proxy(args, '[proxy]\nupstreams = ["127.0.0.1:9001"]\n', "--upstream", "no-such-host.invalid:80")
    assert done.returncode == 1, f"exit {done.returncode}: {done.stderr}"
    assert "upstream no-such-host.invalid:80: cannot resolve" in done.stderr, done.stderr


def case_backend_dies_mid_request(args):
    """A backend that resets the connection instead of answering, or part way through its
    answer: retried only when that is safe, 502 when nothing was sent to the client yet,
    and a visibly truncated response (never a clean end) when the head already was."""
    with proxied(args, cores=1) as (proxy, (a, b)):
        def seen(path):
            return sum(1 for backend in (a, b) for line in list(backend.lines) if f"die: {path}" in line)

        # Idempotent: tried on each backend once, then 502.
        c = Conn(proxy.port)
        c.send(request("GET", "/die?id=1"))
        reply = c.response()
        assert reply.status == 502, reply
        assert wait_until(lambda: seen("GET /die?id=1") == 2, 2), \
            f"GET /die should be tried on both backends:\n{a.output()}{b.output()}"
        # Not idempotent: sent once, whether it had a body or not.
        for i, body in ((2, b"payload"), (3, b"")):
            c.send(request("POST", f"/die?id={i}", [f"Content-Length: {len(body)}"], body))
            reply = c.response()
            assert reply.status == 502, (i, reply)
            time.sleep(0.2)
            assert seen(f"POST /die?id={i}") == 1, f"a POST must not be sent twice:\n{a.output()}{b.output()}"
        # A short response cut before its end: nothing went to the client yet, so 502.
        c.send(request("GET", "/big?bytes=1000&cut=500"))
        reply = c.response()
        assert reply.status == 502, reply
        c.close()
        # A streamed response cut part way: the client sees the connection close before
        # the body's end, never a complete (truncated) body.
        for path, framing in (("/big?bytes=1000000&cut=300000", "Content-Length"),
                              ("/drip?pieces=5&ms=50&cut=3", "chunked")):
            c = Conn(proxy.port)
            c.send(request("GET", path))
            try:
                reply = c.response()
            except (EOFError, ConnectionResetError):
                reply = None
            finally:
                c.close()
            assert reply is None, f"{framing} response cut by the backend arrived as complete: {reply!r}"
        # The proxy still serves.
        for _ in range(4):
            assert get_once(proxy.port, "/name")[0] == 200


def case_head_of_streamed_response(args):
    """HEAD of a resource the backend sends chunked (no length known): the proxy's answer
    must not claim a length the GET's body does not have."""
    with proxied(args, names=("a",), cores=1) as (proxy, (a,)):
        c = Conn(proxy.port)
        c.send(request("GET", "/drip?pieces=3&ms=0"))
        get = c.response()
        assert get.status == 200 and get.body == b"piece 0\npiece 1\npiece 2\n", get
        c.send(request("HEAD", "/drip?pieces=3&ms=0") + request("GET", "/name"))
        head = c.response("HEAD")
        after = c.response()
        c.close()
        assert head.status == 200, head
        assert after.body == b"a", f"the HEAD response carried a body: {after!r}"
        length = head.get("Content-Length")
        assert length is None or int(length) == len(get.body), \
            f"HEAD says Content-Length: {length}, but the GET's body is {len(get.body)} bytes (sent chunked, " \
            f"no length known): {head.headers}"


def set_health(backend, state):
    client = Client(backend.port)
    try:
        status, _, body = client.post(f"/fail-health?state={state}", b"")
        assert (status, body) == (200, b"failing" if state == "fail" else b"ok"), (status, body)
    finally:
        client.close()


def case_health_checks(args):
    cores = 2
    with proxied(args, cores=cores, health={"interval": "200ms", "unhealthy_threshold": 2,
                                            "healthy_threshold": 2}) as (proxy, (a, b)):
        def spread(n):
            return [get_once(proxy.port, "/name")[1] for _ in range(n)]

        assert set(spread(10)) == {"a", "b"}, "both should serve at first"
        failed_at = time.monotonic()
        set_health(a, "fail")
        out_lines = lambda: [l for l in proxy.lines if a.address in l and "out of service" in l]  # noqa: E731
        assert wait_until(lambda: len(out_lines()) == cores, 3), \
            f"{a.address} not taken out of service on every core within 3 s:\n{proxy.output()}"
        took_out = time.monotonic() - failed_at
        assert took_out < 1.5, f"out of service {took_out:.2f} s after failing (interval 200 ms, threshold 2)"
        names = spread(20)
        assert names == ["b"] * 20, f"with a out of service, all traffic should go to b: {names}"
        restored_at = time.monotonic()
        set_health(a, "ok")
        back_lines = lambda: [l for l in proxy.lines if a.address in l and "back in service" in l]  # noqa: E731
        assert wait_until(lambda: len(back_lines()) == cores, 3), \
            f"{a.address} not back in service on every core within 3 s:\n{proxy.output()}"
        put_back = time.monotonic() - restored_at
        assert put_back < 1.5, f"back in service {put_back:.2f} s after passing again"
        names = spread(20)
        assert names.count("a") >= 5 and names.count("b") >= 5, f"traffic should return to both: {names}"
        assert not [l for l in proxy.lines if b.address in l and "service" in l], proxy.output()


# ---------------------------------------------------------------------------------
# Connections

def case_pipelined_clients(args):
    with proxied(args) as (proxy, _):
        c = Conn(proxy.port)
        batch, expected = b"", []
        for i in range(20):
            if i == 7:
                batch += request("HEAD", f"/big?bytes=777&id={i}")
                expected.append(("HEAD", None))
            elif i % 2:
                body = f"echo {i}".encode()
                batch += request("POST", "/echo", [f"Content-Length: {len(body)}"], body)
                expected.append(("POST", body))
            else:
                # Later requests sleep less: answered out of order, they would show it.
                batch += request("GET", f"/sleep?ms={(20 - i) * 3}&id={i}")
                expected.append(("GET", f"id={i}".encode()))
        c.send(batch)
        for i, (method, want) in enumerate(expected):
            reply = c.response(method)
            assert reply.status == 200, (i, reply)
            if method == "HEAD":
                assert reply.get("Content-Length") == "777", (i, reply)
            elif method == "POST":
                assert reply.body == want, f"response {i}: {reply.body!r}, expected {want!r}"
            else:
                assert reply.body.endswith(want) and f"slept {(20 - i) * 3} ms".encode() in reply.body, \
                    f"response {i}: {reply.body!r}, expected one ending with {want!r}"
        c.send(request("GET", "/name"))
        assert c.response().body in (b"a", b"b")
        c.close()


def case_client_disconnect_mid_response(args):
    # One core, no health checks: the pool's connections to the backend are all ours.
    with proxied(args, names=("a",), cores=1, health={"interval": 0}) as (proxy, (a,)):
        status, _, _ = get_once(proxy.port, "/name")
        assert status == 200
        pooled = established(a.port)
        assert pooled <= 1, f"{pooled} connections to the backend after one request"
        c = Conn(proxy.port)
        c.send(request("GET", "/drip?pieces=50&ms=100"))
        reply = c.head()
        assert reply.status == 200, reply
        while b"piece 0\n" not in c.buffer:
            c._more()
        c.close()
        closed_at = time.monotonic()
        gone = a.wait_for("drip: client gone", timeout=3)
        assert gone is not None, \
            f"the backend kept dripping 3 s after the client left (the proxy kept reading):\n{a.output()}"
        took = time.monotonic() - closed_at
        left = wait_until(lambda: established(a.port) <= pooled, 3)
        assert left, f"{established(a.port)} connections to the backend remain (were {pooled}): a leak"
        # The proxy still serves, on this connection's core.
        for _ in range(3):
            assert get_once(proxy.port, "/name")[:2] == (200, "a")
        assert established(a.port) <= max(pooled, 1), "the pool grew past one connection for sequential requests"
        print(f"the backend saw the proxy's connection close {took:.2f} s after the client left ({gone.strip()})",
              flush=True)


# ---------------------------------------------------------------------------------
# Bounded memory

def vm_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {key} in /proc/{pid}/status")


def sanitized(binary):
    """The sanitizer a binary was built with, or None: their allocators (quarantine,
    shadow memory) make its RSS a measure of something else."""
    with open(binary, "rb") as f:
        data = f.read()
    for name in (b"AddressSanitizer", b"ThreadSanitizer", b"MemorySanitizer"):
        if name in data:
            return name.decode()
    return None


def case_upload_1gib_bounded_memory(args):
    size = 1024 * MIB
    piece = bytes(range(256)) * (MIB // 256)
    # The proxy's timeout runs from the request's head to the response's head, upload
    # included: long enough for a slow (sanitized) build to move 1 GiB.
    with proxied(args, names=("a",), cores=1, timeout=100) as (proxy, (a,)):
        assert get_once(proxy.port, "/name")[0] == 200
        rss_before = vm_kib(proxy.process.pid, "VmRSS")
        c = Conn(proxy.port, timeout=30)
        started = time.monotonic()
        c.send(request("POST", "/count", ["Content-Length: %d" % size, "Content-Type: application/octet-stream"]))
        crc = 0
        for _ in range(size // MIB):
            c.sock.sendall(piece)
            crc = zlib.crc32(piece, crc)
        reply = c.response()
        took = time.monotonic() - started
        c.close()
        peak = vm_kib(proxy.process.pid, "VmHWM")
        assert reply.status == 200, reply
        assert int(reply.body) == size, f"the backend counted {reply.body!r} bytes of {size}"
        assert reply.get("X-Crc32") == f"{crc:08x}", f"the body arrived changed: crc {reply.get('X-Crc32')}"
        print(f"1 GiB through the proxy in {took:.1f} s ({size / MIB / took:.0f} MiB/s); proxy RSS "
              f"{rss_before // 1024} MiB before, peak {peak // 1024} MiB", flush=True)
        sanitizer = sanitized(args.binary)
        if sanitizer:
            print(f"{sanitizer} build: its peak RSS is not held to 64 MiB", flush=True)
        else:
            assert peak < 64 * 1024, f"the proxy's peak RSS was {peak // 1024} MiB moving 1 GiB (limit 64 MiB)"


# ---------------------------------------------------------------------------------
# Configuration

def run_proxy(args, config_text, *extra):
    path = write_config(text=config_text)
    try:
        return subprocess.run([args.binary, "--config", path, "--listen", "127.0.0.1:0", *extra],
                              capture_output=True, text=True, timeout=20), path
    finally:
        os.unlink(path)


def case_bad_config(args):
    done, path = run_proxy(args, '[proxy]\nupstreams = ["127.0.0.1:9001"]\nbalance = "fastest"\n')
    assert done.returncode == 2, f"balance = fastest: exit {done.returncode}: {done.stderr}"
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("weft-proxy: "), lines
    assert f"{path}:3:" in lines[0] and "proxy.balance" in lines[0], lines[0]

    good = '[proxy]\nupstreams = ["127.0.0.1:9001"]\n'
    for flag, value in (("--upstream", "nonsense"), ("--timeout", "0")):
        done, _ = run_proxy(args, good, flag, value)
        assert done.returncode == 2, f"{flag} {value}: exit {done.returncode}: {done.stderr}"
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("weft-proxy: ") and flag in lines[0], lines

    for text in ('[proxy]\nupstreams = []\n', '[proxy]\nbalance = "round_robin"\n'):
        done, path = run_proxy(args, text)
        assert done.returncode == 2, f"no upstreams ({text!r}): exit {done.returncode}: {done.stderr}"
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and "no upstreams" in lines[0] and "--upstream" in lines[0], lines


if __name__ == "__main__":
    sys.exit(run_cases(cases_in(globals())))
