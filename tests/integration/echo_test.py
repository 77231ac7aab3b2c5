#!/usr/bin/env python3
"""Integration tests of the weft-echo binary: real processes, real sockets on
127.0.0.1, real clients. Each case runs against one backend:

    echo_test.py --binary PATH --backend io_uring|epoll --case NAME [--refuse-io-uring PATH]

Exit status 0 = passed; the last line says "1 passed, 0 failed" or the reverse."""
import argparse
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEADLINE = 60  # seconds any one case may take, so nothing hangs CI


class Server:
    """Starts weft-echo on a kernel-chosen port and reads the port from its start-up line."""

    def __init__(self, args, wrapper=(), config=None, cores=2):
        self.args = args
        command = list(wrapper) + [args.binary, "--config", config or os.path.join(ROOT, "conf/echo.toml"),
                                   "--listen", "127.0.0.1:0", "--cores", str(cores)]
        if args.backend and not wrapper:
            command += ["--backend", args.backend]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.port = None
        start = time.monotonic()
        while time.monotonic() - start < 20:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            if "listening on" in line:
                self.port = int(line.split("listening on ")[1].split(" ")[0].rsplit(":", 1)[1])
                break
        if self.port is None:
            self.process.kill()
            raise AssertionError("server did not start:\n" + "".join(self.lines) + self.process.stdout.read())
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        time.sleep(0.05)
        return code

    def output(self):
        return "".join(self.lines)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def recv_exactly(s, size):
    chunks, have = [], 0
    while have < size:
        chunk = s.recv(min(1 << 20, size - have))
        if not chunk:
            raise AssertionError(f"connection closed after {have} of {size} bytes")
        chunks.append(chunk)
        have += len(chunk)
    return b"".join(chunks)


def case_thousand_clients(args):
    server = Server(args)
    try:
        clients = [connect(server.port) for _ in range(1000)]
        for i, c in enumerate(clients):
            c.sendall(struct.pack("!I", i) * 16)
        for i, c in enumerate(clients):
            assert recv_exactly(c, 64) == struct.pack("!I", i) * 16, f"client {i} got someone else's bytes"
        for c in clients:
            c.close()
    finally:
        assert server.stop() == 0


def case_sixteen_mebibytes(args):
    server = Server(args)
    try:
        payload = os.urandom(16 << 20)
        s = connect(server.port)
        received = []
        reader = threading.Thread(target=lambda: received.append(recv_exactly(s, len(payload))))
        reader.start()
        s.sendall(payload)
        reader.join(DEADLINE)
        assert received and received[0] == payload, "16 MiB did not come back intact"
        s.close()
    finally:
        assert server.stop() == 0


def case_reset_mid_stream(args):
    server = Server(args)
    try:
        bystander = connect(server.port)
        for _ in range(20):
            victim = connect(server.port)
            victim.sendall(os.urandom(256 << 10))
            victim.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            victim.close()  # RST with data in flight both ways
        bystander.sendall(b"still here")
        assert recv_exactly(bystander, 10) == b"still here", "a reset disturbed another connection"
        assert server.process.poll() is None, "server died"
    finally:
        assert server.stop() == 0


def case_sigterm_with_clients(args):
    server = Server(args)
    clients = [connect(server.port) for _ in range(50)]
    for c in clients:
        c.sendall(b"x")
        assert recv_exactly(c, 1) == b"x"
    code = server.stop(signal.SIGTERM)
    assert code == 0, f"exit code {code}\n{server.output()}"
    for c in clients:
        c.settimeout(5)
        assert c.recv(16) == b"", "connection still open after shutdown"
    assert "shutting down" in server.output()


def case_sigint_exits_zero(args):
    server = Server(args)
    assert server.stop(signal.SIGINT) == 0


def case_bad_config(args):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('[server]\nlisten = "127.0.0.1:7000"\nmax_connections = "many"\n')
        wrong_type = f.name
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('[server]\nlisten = "127.0.0.1:7000"\n\n[runtime]\ncorez = 2\n')
        unknown_key = f.name
    try:
        for path, line, key in ((wrong_type, 3, "server.max_connections"), (unknown_key, 5, "runtime.corez")):
            done = subprocess.run([args.binary, "--config", path], capture_output=True, text=True, timeout=20)
            assert done.returncode == 2, f"exit {done.returncode}: {done.stderr}"
            assert f"{path}:{line}:" in done.stderr and key in done.stderr, done.stderr
    finally:
        os.unlink(wrong_type)
        os.unlink(unknown_key)


def case_address_in_use(args):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    try:
        done = subprocess.run([args.binary, "--config", os.path.join(ROOT, "conf/echo.toml"), "--listen",
                               f"127.0.0.1:{port}", "--backend", args.backend], capture_output=True, text=True,
                              timeout=20)
        assert done.returncode != 0, "started on a port in use"
        errors = [l for l in done.stderr.splitlines() if "error" in l]
        assert len(errors) == 1 and "in use" in errors[0], done.stderr
    finally:
        holder.close()


def case_second_instance_refused(args):
    # SO_REUSEPORT would let a second weft-echo share the port and take half its
    # connections; it must fail to start instead.
    first = Server(args)
    try:
        done = subprocess.run([args.binary, "--config", os.path.join(ROOT, "conf/echo.toml"), "--listen",
                               f"127.0.0.1:{first.port}", "--backend", args.backend], capture_output=True, text=True,
                              timeout=20)
        assert done.returncode != 0, "a second instance started on the same port"
        assert "in use" in done.stderr, done.stderr
        s = connect(first.port)  # the first one still serves
        s.sendall(b"still here")
        assert recv_exactly(s, 10) == b"still here"
        s.close()
    finally:
        first.stop()


def case_seccomp_fallback(args):
    assert args.refuse_io_uring, "--refuse-io-uring is required"
    server = Server(args, wrapper=[args.refuse_io_uring])
    try:
        s = connect(server.port)
        s.sendall(b"under seccomp")
        assert recv_exactly(s, 13) == b"under seccomp"
        out = server.output()
        fallback = [l for l in out.splitlines() if "backend epoll" in l and "falling back" in l]
        assert len(fallback) == 1, out
        assert "Operation not permitted" in fallback[0], out
        assert "backend epoll" in [l for l in out.splitlines() if "listening on" in l][0]
    finally:
        assert server.stop() == 0


def case_connection_limit(args):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write('[server]\nmax_connections = 2\n[runtime]\ncores = 1\n')
        config = f.name
    server = Server(args, config=config, cores=1)
    try:
        kept = [connect(server.port) for _ in range(2)]
        for c in kept:
            c.sendall(b"k")
            assert recv_exactly(c, 1) == b"k"
        extra = connect(server.port)
        extra.settimeout(5)
        try:
            closed = extra.recv(1) == b""
        except ConnectionResetError:
            closed = True
        assert closed, "a connection over the limit was served"
        kept[0].sendall(b"z")
        assert recv_exactly(kept[0], 1) == b"z"
    finally:
        os.unlink(config)
        assert server.stop() == 0


def case_sigusr1_dumps_tasks(args):
    server = Server(args)
    try:
        client = connect(server.port)
        client.sendall(b"x")
        assert recv_exactly(client, 1) == b"x"
        server.process.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "serve_connection" not in server.output():
            time.sleep(0.05)
        out = server.output()
        assert "task dump on signal" in out, out
        assert "core 0:" in out and "core 1:" in out, out
        assert "in echo::serve_connection" in out and "in echo::accept_loop" in out, out
        client.sendall(b"y")  # the dump disturbed nothing
        assert recv_exactly(client, 1) == b"y"
    finally:
        assert server.stop() == 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--backend", default="epoll")
    parser.add_argument("--case", required=True)
    parser.add_argument("--refuse-io-uring")
    args = parser.parse_args()
    case = globals()["case_" + args.case]
    timer = threading.Timer(DEADLINE * 2, lambda: os._exit(3))
    timer.daemon = True
    timer.start()
    try:
        case(args)
    except Exception as error:  # noqa: BLE001 - report any failure as the test's
        print(f"FAILED {args.case} on {args.backend}: {error!r}")
        print("0 passed, 1 failed")
        return 1
    print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
