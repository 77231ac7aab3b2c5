#!/usr/bin/env python3
"""Integration tests of the weft-fanout binary: GET /aggregate asks every upstream at
once, each leg bounded by its own timeout. Backends are small HTTP servers in this
process that record when each request started and ended. Each case runs against one
backend:

    fanout_test.py --binary PATH --backend io_uring|epoll --case NAME

Exit status 0 = passed; the last line says "1 passed, 0 failed" or the reverse."""
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hello_test import IO_TIMEOUT, Server, cases_in, run_cases  # noqa: E402

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../conf/fanout.toml")


class Backend:
    """An HTTP/1.1 server on a kernel-chosen port that answers GET / with its name after
    `delay` seconds and records (start, end of the delay) of every request."""

    def __init__(self, name, delay=0.0):
        self.name = name
        self.intervals = []
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - the http.server API
                started = time.monotonic()
                time.sleep(delay)
                # Recorded before answering: once the answer is out, the fan-out may reply
                # and the test read the intervals before this thread runs again.
                backend.intervals.append((started, time.monotonic()))
                body = backend.name.encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the leg gave up and closed its connection

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def upstream(self):
        return ["--upstream", f"127.0.0.1:{self.port}"]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def temp_config():
    """A copy of conf/fanout.toml (Server deletes its config file when it stops)."""
    with open(CONFIG) as source, tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="fanout_test_",
                                                             delete=False) as copy:
        copy.write(source.read())
        return copy.name


def aggregate(port, timeout=IO_TIMEOUT):
    """(seconds taken, parsed JSON) of GET /aggregate."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.monotonic()
        conn.request("GET", "/aggregate")
        response = conn.getresponse()
        body = response.read()
        took = time.monotonic() - started
        assert response.status == 200, (response.status, body)
        assert response.getheader("Content-Type") == "application/json", response.getheaders()
        return took, json.loads(body)
    finally:
        conn.close()


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------

def case_legs_run_concurrently(args):
    backends = [Backend(f"b{i}", delay=0.8) for i in range(3)]
    try:
        extra = [arg for backend in backends for arg in backend.upstream()] + ["--timeout", "5"]
        with Server(args, config=temp_config(), extra_args=extra) as server:
            aggregate(server.port)  # warm: connections open
            for backend in backends:
                backend.intervals.clear()
            took, body = aggregate(server.port)
            legs = body["legs"]
            assert [leg["outcome"] for leg in legs] == ["ok"] * 3, legs
            assert [leg["body"] for leg in legs] == ["b0", "b1", "b2"], legs  # configured order
            assert all(leg["status"] == 200 for leg in legs), legs
            # In sequence the three 0.8 s legs would take 2.4 s at least; at once, about
            # 0.8 s (the margin is for a loaded machine).
            assert took < 2.0, f"aggregate took {took:.2f} s: the legs did not run at once"
            intervals = [backend.intervals[0] for backend in backends]
            latest_start = max(start for start, _ in intervals)
            earliest_end = min(end for _, end in intervals)
            assert latest_start < earliest_end, f"the legs did not overlap: {intervals}"
            assert body["elapsed_ms"] < 2000, body
    finally:
        for backend in backends:
            backend.close()


def case_slow_leg_times_out(args):
    fast, slow = Backend("fast"), Backend("slow", delay=3.0)
    try:
        extra = fast.upstream() + slow.upstream() + fast.upstream() + ["--timeout", "0.5"]
        with Server(args, config=temp_config(), extra_args=extra) as server:
            took, body = aggregate(server.port)
            legs = body["legs"]
            assert [leg["outcome"] for leg in legs] == ["ok", "timeout", "ok"], legs
            assert legs[1]["upstream"] == f"127.0.0.1:{slow.port}", legs
            assert "body" not in legs[1], legs
            # The slow leg costs its timeout, not its 3 s.
            assert took < 1.5, f"aggregate took {took:.2f} s with a 0.5 s leg timeout"
            # The next aggregate is not held up by the abandoned leg either.
            took, body = aggregate(server.port)
            assert [leg["outcome"] for leg in body["legs"]] == ["ok", "timeout", "ok"], body
            assert took < 1.5, took
    finally:
        fast.close()
        slow.close()


def case_dead_leg_is_an_error(args):
    live = Backend("live")
    try:
        extra = live.upstream() + ["--upstream", f"127.0.0.1:{closed_port()}"]
        with Server(args, config=temp_config(), extra_args=extra) as server:
            took, body = aggregate(server.port)
            legs = body["legs"]
            assert [leg["outcome"] for leg in legs] == ["ok", "error"], legs
            assert "refused" in legs[1]["error"].lower(), legs
            assert took < 1.0, took
    finally:
        live.close()


def case_upstream_by_host_name(args):
    backend = Backend("named")
    try:
        # localhost may name ::1 first, where nothing listens: the leg tries the next.
        extra = ["--upstream", f"localhost:{backend.port}"]
        with Server(args, config=temp_config(), extra_args=extra) as server:
            _, body = aggregate(server.port)
            legs = body["legs"]
            assert [leg["outcome"] for leg in legs] == ["ok"], legs
            assert legs[0]["upstream"] == f"localhost:{backend.port}" and legs[0]["body"] == "named", legs
    finally:
        backend.close()


def case_bad_config(args):
    bad = os.path.abspath(os.path.join("/tmp", f"fanout_bad_{os.getpid()}.toml"))
    with open(bad, "w") as f:
        f.write('[fanout]\nupstreams = ["127.0.0.1:1"]\npath = "no-slash"\n')
    try:
        done = subprocess.run([args.binary, "--config", bad], capture_output=True, text=True, timeout=20)
        assert done.returncode == 2, (done.returncode, done.stderr)
        assert f"{bad}:3" in done.stderr and "fanout.path" in done.stderr, done.stderr
        for flags, named in ((["--upstream", "nonsense"], "--upstream"), (["--timeout", "0"], "--timeout")):
            done = subprocess.run([args.binary, "--config", CONFIG] + flags, capture_output=True, text=True,
                                  timeout=20)
            assert done.returncode == 2 and named in done.stderr, (flags, done.returncode, done.stderr)
    finally:
        os.unlink(bad)


if __name__ == "__main__":
    sys.exit(run_cases(cases_in(globals())))
