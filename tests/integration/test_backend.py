#!/usr/bin/env python3
"""A backend for proxy_test.py: an HTTP/1.1 keep-alive server in its own process, so a
test can kill -9 it. Prints "listening on 127.0.0.1:PORT" once it accepts connections:

    test_backend.py --port P --name NAME [--log FILE]

Routes (every response carries `X-Backend: NAME`):
    GET  /healthz              200 "ok", or 503 "failing" after POST /fail-health
    POST /fail-health          toggles /healthz between 200 and 503 (?state=fail|ok sets it)
    GET  /name                 NAME
    ANY  /method               "METHOD BODY-BYTES" (GET HEAD POST PUT DELETE PATCH OPTIONS)
    GET  /sleep?ms=N           sleeps N ms, then "slept N ms; QUERY"
    GET  /headers              the request's fields as JSON: [[name, value], ...] in order
    GET  /hop                  a response with hop-by-hop fields (the proxy must drop them)
    POST /echo                 the body back (Content-Length or chunked request)
    POST /count                the body's byte count, read piece by piece (never held);
                               `X-Crc32` has its CRC-32
    GET  /big?bytes=N          N bytes of pattern(0, N), streamed with a Content-Length
    GET  /drip?pieces=N&ms=M   chunked: "piece I\\n" N times, M ms apart
    GET  /die, POST /die       no answer: the connection is reset once the request is read
    &cut=K on /big and /drip   the response stops after K bytes (pieces) with a reset
HEAD works on every GET route. One log line per request start and end (stdout, and
--log FILE), with monotonic times; "drip: client gone after K of N pieces" when a drip's
write fails."""
import argparse
import http.server
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib

PIECE = 64 * 1024


def pattern(start, end):
    """Bytes [start, end) of an endless stream of 16-byte lines "%015d\\n" (the line
    number): any byte lost, doubled or moved shows."""
    first, last = start // 16, (end + 15) // 16
    data = b"".join(b"%015d\n" % i for i in range(first, last))
    return data[start - first * 16:end - first * 16]


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.file = open(path, "a", buffering=1) if path else None

    def __call__(self, text):
        line = f"{time.monotonic():.3f} {text}\n"
        with self.lock:
            sys.stdout.write(line)
            sys.stdout.flush()
            if self.file:
                self.file.write(line)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection's thread ends after this
    disable_nagle_algorithm = True  # the head and the body go in two writes

    def version_string(self):
        return "test-backend"

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass  # our own lines instead (see handle_request)

    # -- request bodies ------------------------------------------------------------

    def body_pieces(self):
        """The request body in pieces of at most 64 KiB, by Content-Length or chunked."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ConnectionError("eof in a chunk size")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while size:
                    piece = self.rfile.read(min(size, PIECE))
                    if not piece:
                        raise ConnectionError("eof in a chunk")
                    size -= len(piece)
                    yield piece
                self.rfile.readline(16)  # the CRLF after the chunk
        else:
            left = int(self.headers.get("Content-Length") or 0)
            while left:
                piece = self.rfile.read(min(left, PIECE))
                if not piece:
                    raise ConnectionError(f"eof with {left} body bytes to come")
                left -= len(piece)
                yield piece

    # -- responses -------------------------------------------------------------------

    def reply(self, status, body=b"", content_type="text/plain", fields=()):
        self.send_response(status)
        self.send_header("X-Backend", self.server.name)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in fields:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status

    def do_GET(self):
        self.handle_request()

    def do_HEAD(self):
        self.handle_request()

    def do_POST(self):
        self.handle_request()

    def do_PUT(self):
        self.handle_request()

    def do_DELETE(self):
        self.handle_request()

    def do_PATCH(self):
        self.handle_request()

    def do_OPTIONS(self):
        self.handle_request()

    def handle_request(self):
        log = self.server.log
        started = time.monotonic()
        log(f"start {self.server.name} {self.command} {self.path}")
        try:
            status = self.route()
        except (BrokenPipeError, ConnectionError) as error:
            log(f"end {self.server.name} {self.command} {self.path} aborted ({error!r}) "
                f"start={started:.3f} end={time.monotonic():.3f}")
            self.close_connection = True
            return
        log(f"end {self.server.name} {self.command} {self.path} {status} "
            f"start={started:.3f} end={time.monotonic():.3f}")

    def route(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        method, path = self.command, url.path
        get = method in ("GET", "HEAD")

        def number(key, default):
            return int(query.get(key, [default])[0])

        if get and path == "/healthz":
            if self.server.failing:
                return self.reply(503, b"failing")
            return self.reply(200, b"ok")
        if method == "POST" and path == "/fail-health":
            for _ in self.body_pieces():
                pass
            state = query.get("state", [None])[0]
            self.server.failing = (state == "fail") if state else not self.server.failing
            self.server.log(f"health {'failing' if self.server.failing else 'ok'}")
            return self.reply(200, b"failing" if self.server.failing else b"ok")
        if path == "/method":
            received = sum(len(piece) for piece in self.body_pieces())
            return self.reply(200, f"{method} {received}".encode())
        if get and path == "/name":
            return self.reply(200, self.server.name.encode())
        if get and path == "/sleep":
            ms = number("ms", 0)
            time.sleep(ms / 1000)
            return self.reply(200, f"slept {ms} ms; {url.query}".encode())
        if get and path == "/headers":
            return self.reply(200, json.dumps(list(self.headers.items())).encode(), "application/json")
        if get and path == "/hop":
            return self.reply(200, b"hop", fields=[("Connection", "X-Secret"), ("X-Secret", "1"),
                                                   ("Keep-Alive", "timeout=30"), ("Proxy-Connection", "keep-alive"),
                                                   ("Upgrade", "h2c"), ("Via", "1.1 backend-cache"),
                                                   ("X-Kept", "yes")])
        if method == "POST" and path == "/echo":
            body = b"".join(self.body_pieces())
            return self.reply(200, body, self.headers.get("Content-Type") or "application/octet-stream")
        if method == "POST" and path == "/count":
            count, crc = 0, 0
            for piece in self.body_pieces():
                count += len(piece)
                crc = zlib.crc32(piece, crc)
            return self.reply(200, str(count).encode(), fields=[("X-Crc32", f"{crc:08x}")])
        if get and path == "/big":
            size = number("bytes", 0)
            self.send_response(200)
            self.send_header("X-Backend", self.server.name)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            if method == "GET":
                cut = number("cut", size)  # die after this many bytes
                for offset in range(0, cut, PIECE):
                    self.wfile.write(pattern(offset, min(cut, offset + PIECE)))
                if cut < size:
                    return self.die(f"after {cut} of {size} bytes")
            return 200
        if get and path == "/drip":
            pieces, ms = number("pieces", 10), number("ms", 100)
            self.send_response(200)
            self.send_header("X-Backend", self.server.name)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if method == "HEAD":
                return 200
            cut = number("cut", pieces)  # die after this many pieces
            for i in range(pieces):
                if i == cut:
                    return self.die(f"after {cut} of {pieces} pieces")
                if i:
                    time.sleep(ms / 1000)
                data = f"piece {i}\n".encode()
                try:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                except OSError as error:
                    self.server.log(f"drip: client gone after {i} of {pieces} pieces ({error!r})")
                    self.close_connection = True
                    return 200
            self.wfile.write(b"0\r\n\r\n")
            self.server.log(f"drip: done {pieces} pieces")
            return 200
        if path == "/die":
            for _ in self.body_pieces():
                pass
            return self.die("before answering")
        for _ in self.body_pieces():
            pass
        return self.reply(404, b"not found")

    def die(self, when):
        """Closes the connection with a reset, as a crashing server would."""
        self.server.log(f"die: {self.command} {self.path} {when}")
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.wfile.flush()
        self.request.close()
        return "died"


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--name", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    parent = os.getppid()

    def orphaned():  # the test that started us is gone (killed past its deadline): go too
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    server = Server(("127.0.0.1", args.port), Handler)
    server.name = args.name
    server.failing = False
    server.log = Log(args.log)
    print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
