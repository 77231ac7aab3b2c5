#!/usr/bin/env python3
"""Integration tests of the weft-offload binary: POST /hash (PBKDF2-HMAC-SHA256 through
weft::offload, or inline on the reactor) and GET /healthz, as real processes on
127.0.0.1. Each case runs against one backend:

    offload_test.py --binary PATH --backend io_uring|epoll --case NAME

Exit status 0 = passed; the last line says "1 passed, 0 failed" or the reverse.
`--case all` runs every case in turn (for a quick manual run). Server and curl come
from hello_test.py."""
import hashlib
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hello_test import IO_TIMEOUT, Server, cases_in, curl, run_cases  # noqa: E402

PASSWORD = b"correct horse battery staple"
DEFAULT_SALT = b"weft-offload"  # conf/offload.toml's and the program's default


def write_config(offload=None):
    """A temporary TOML config with these [offload] keys, every other key at its default."""
    lines = ["[offload]"]
    for key, value in (offload or {}).items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, str):
            value = json.dumps(value)
        lines.append(f"{key} = {value}")
    with tempfile.NamedTemporaryFile("w", suffix=".toml", prefix="offload_test_", delete=False) as f:
        f.write("\n".join(lines) + "\n")
        return f.name


def post_hash(port, password, timeout=IO_TIMEOUT):
    """(status, parsed JSON body) of POST /hash with `password` as the body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/hash", body=password, headers={"Content-Type": "text/plain"})
        response = conn.getresponse()
        body = response.read()
        assert response.getheader("Content-Type") == "application/json", response.getheaders()
        return response.status, json.loads(body)
    finally:
        conn.close()


def expected(password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256", password, salt, iterations).hex()


# ---------------------------------------------------------------------------------
# The routes

def case_hash(args):
    # The defaults of conf/offload.toml: 100000 iterations, offloaded.
    with Server(args, config=write_config()) as server:
        for password in (PASSWORD, b"", "pässwörd €".encode(), os.urandom(200)):
            status, body = post_hash(server.port, password)
            assert status == 200, (password, status, body)
            assert body == {"hash": expected(password, DEFAULT_SALT, 100000), "iterations": 100000,
                            "offloaded": True}, (password, body)
        status, headers, _ = curl(server.port, path="/hash")  # GET on a POST route
        assert status == 405 and headers.get("allow") == ["POST"], (status, headers)
    # A salt and an iteration count of its own, both ways.
    for run_inline in (False, True):
        config = write_config({"iterations": 1234, "salt": "pepper & salt", "inline": run_inline})
        with Server(args, config=config) as server:
            status, body = post_hash(server.port, PASSWORD)
            assert status == 200, (status, body)
            assert body == {"hash": expected(PASSWORD, b"pepper & salt", 1234), "iterations": 1234,
                            "offloaded": not run_inline}, body


def case_healthz(args):
    with Server(args, config=write_config()) as server:
        status, headers, body = curl(server.port, path="/healthz")
        assert (status, body) == (200, b"ok\n"), (status, body)
        assert headers.get("content-type") == ["text/plain"], headers


# ---------------------------------------------------------------------------------
# The point of offload: /healthz stays fast while hashes run

def calibrated_iterations(seconds=0.6):
    """Iterations that take about `seconds` here (python's hashlib runs OpenSSL's PBKDF2 too)."""
    probe = 100_000
    started = time.monotonic()
    hashlib.pbkdf2_hmac("sha256", b"probe", DEFAULT_SALT, probe)
    took = max(time.monotonic() - started, 1e-4)
    return max(100_000, min(20_000_000, int(probe * seconds / took)))


def healthz_under_hashes(args, run_inline):
    """Starts 4 concurrent /hash requests on a one-core server, probes /healthz every 50 ms
    on a keep-alive connection until they are all answered; returns the probes' latencies
    (seconds) and how long the hashes took."""
    iterations = calibrated_iterations()
    want = expected(PASSWORD, DEFAULT_SALT, iterations)
    with Server(args, config=write_config({"iterations": iterations, "inline": run_inline}), cores=1) as server:
        # Inline, a probe may wait behind all four hashes (seconds on a loaded CI machine,
        # where the calibration above may also have run faster): a long timeout, since
        # the assertions are about how long it waited, not whether it gave up.
        probe = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        probe.request("GET", "/healthz")  # connected and answered before the load starts
        assert probe.getresponse().read() == b"ok\n"
        results, errors = [], []

        def one_hash():
            try:
                results.append(post_hash(server.port, PASSWORD, timeout=30))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(repr(error))

        hashers = [threading.Thread(target=one_hash, daemon=True) for _ in range(4)]
        started = time.monotonic()
        for thread in hashers:
            thread.start()
        time.sleep(0.2)  # the 4 requests are in the server
        latencies = []
        while any(thread.is_alive() for thread in hashers) and time.monotonic() - started < 25:
            sent = time.monotonic()
            probe.request("GET", "/healthz")
            response = probe.getresponse()
            assert (response.status, response.read()) == (200, b"ok\n")
            latencies.append(time.monotonic() - sent)
            time.sleep(0.05)
        for thread in hashers:
            thread.join(10)
        hashing = time.monotonic() - started
        probe.close()
        assert not errors, errors
        assert len(results) == 4, f"{len(results)} of 4 hashes answered in {hashing:.1f} s"
        for status, body in results:
            assert status == 200 and body["hash"] == want and body["offloaded"] == (not run_inline), (status, body)
    latencies.sort()
    print(f"{'inline' if run_inline else 'offloaded'}: 4 x {iterations} iterations in {hashing:.2f} s; "
          f"{len(latencies)} /healthz probes, median {latencies[len(latencies) // 2] * 1e3:.1f} ms, "
          f"max {latencies[-1] * 1e3:.1f} ms", flush=True)
    return latencies, hashing


def case_healthz_during_offloaded_hashes(args):
    latencies, hashing = healthz_under_hashes(args, run_inline=False)
    assert hashing >= 0.5, f"the hashes took only {hashing:.2f} s: nothing to measure"
    assert len(latencies) >= 5, f"only {len(latencies)} probes in {hashing:.2f} s of hashing"
    slow = [f"{l * 1e3:.0f} ms" for l in latencies if l > 0.1]
    assert not slow, f"/healthz over 100 ms while the hashes ran offloaded: {slow} of {len(latencies)} probes"


def case_healthz_during_inline_hashes(args):
    latencies, hashing = healthz_under_hashes(args, run_inline=True)
    assert hashing >= 0.5, f"the hashes took only {hashing:.2f} s: nothing to measure"
    # On the reactor, each hash holds the core: a probe waits behind one or more.
    assert latencies[-1] > 0.2, \
        f"/healthz never waited over 200 ms behind inline hashes (max {latencies[-1] * 1e3:.0f} ms)"
    assert len(latencies) < hashing / 0.05, "as many probes as if nothing blocked them"


# ---------------------------------------------------------------------------------
# Configuration

def case_bad_config(args):
    inputs = [
        ('[offload]\niterations = 0\n', 2, "offload.iterations"),
        ('[offload]\ninline = false\niterations = 3000000000\n', 3, "offload.iterations"),
        ('[http]\nlisten = "127.0.0.1:0"\n\n[offload]\niteratoins = 5\n', 5, "offload.iteratoins"),
        ('[offload]\nsalt = "s"\ninline = "yes"\n', 3, "offload.inline"),
        ('[offload]\nsalt = 7\n', 2, "offload.salt"),
    ]
    for text, line, key in inputs:
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(text)
            path = f.name
        try:
            done = subprocess.run([args.binary, "--config", path, "--listen", "127.0.0.1:0"], capture_output=True,
                                  text=True, timeout=20)
        finally:
            os.unlink(path)
        assert done.returncode == 2, f"{key}: exit {done.returncode}: {done.stderr}"
        lines = done.stderr.splitlines()
        assert len(lines) == 1, f"{key}: expected one stderr line, got {lines}"
        assert lines[0].startswith("weft-offload: "), lines[0]
        assert f"{path}:{line}:" in lines[0] and key in lines[0], f"{key}: {lines[0]}"


if __name__ == "__main__":
    sys.exit(run_cases(cases_in(globals())))
