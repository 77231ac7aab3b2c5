#!/usr/bin/env python3
"""Writes libFuzzer seeds for the HTTP parser targets.

For http_parser_fuzz it turns the golden cases (tests/unit/http/cases/*.txt) into
seeds: each is two control bytes (limits, split point; see the target's comment)
followed by the case's decoded input.

For http_response_parser_fuzz (--responses) it writes RESPONSES below: each seed is
two control bytes (settings: tiny limits, streamed body and which final responses
answer HEAD; split point; see that target's comment) followed by the bytes an
upstream server sends.

Usage: seed_corpus.py CASES_DIR OUT_DIR
       seed_corpus.py --responses OUT_DIR"""
import pathlib
import sys

ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}


def decode(line):
    out = bytearray()
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            code = line[i + 1]
            if code == "x":
                out.append(int(line[i + 2:i + 4], 16))
                i += 4
                continue
            out += ESCAPES[code]
            i += 2
            continue
        out += line[i].encode("utf-8")
        i += 1
    return bytes(out)


# Settings byte of http_response_parser_fuzz.
TINY = 1     # tiny limits (64-byte status line, 256 header bytes, 8 fields, 256-byte body)
STREAM = 2   # stream_body(true), the body taken out after every feed()


def heads(pattern):
    """The settings bits for a HEAD pattern: 'H' for a final response that answers
    HEAD, 'G' for one that does not; the target repeats the six bits."""
    return sum(4 << i for i, c in enumerate(pattern) if c == "H")


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
CHUNKED_OK = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"

# (name, settings, bytes from the server)
RESPONSES = [
    # Content-Length.
    ("content_length", 0, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
    ("content_length_zero", 0, b"HTTP/1.1 200 OK\r\nContent-Length:\t0 \r\nX-Empty:\r\n\r\n"),
    ("content_length_streamed", STREAM, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"),
    ("content_length_cut_short", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"),
    ("content_length_close", 0, b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok" + OK),
    ("http10_keep_alive", 0,
     b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"
     b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"),
    # Chunked.
    ("chunked_extensions_trailers", 0,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"
     b"6;a=\"q s\";b\r\n world\r\n0;last=yes\r\nX-Checksum: abc\r\nY:\r\n\r\n"),
    ("chunked_extensions_trailers_streamed", STREAM,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n"
     b"A\r\n0123456789\r\n0\r\nX-Checksum: abc\r\n\r\n"),
    ("chunked_any_case", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: ChUnKeD\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    ("chunked_cut_in_trailers", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n"),
    ("chunk_size_overflow", 0,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nab\r\n0\r\n\r\n"),
    ("chunk_size_not_hex", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    ("chunk_without_crlf", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX"),
    ("bare_lf_in_trailers", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n"),
    # Until close.
    ("until_close", 0, b"HTTP/1.1 200 OK\r\n\r\nuntil the end"),
    ("until_close_streamed", STREAM, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end, streamed"),
    ("until_close_http10_keep_alive", 0, b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc"),
    ("until_close_empty", 0, b"HTTP/1.0 200 OK\r\n\r\n"),
    # Interim responses.
    ("continue_then_ok", 0, b"HTTP/1.1 100 Continue\r\n\r\n" + OK),
    ("early_hints_then_chunked", 0,
     b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\nContent-Length: 5\r\n\r\n"
     b"HTTP/1.1 102 Processing\r\n\r\n" + CHUNKED_OK),
    ("interim_closes", 0, b"HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n" + NO_CONTENT),
    ("interim_http10", 0, b"HTTP/1.0 100 Continue\r\n\r\n" + OK),
    ("interim_then_eof", 0, b"HTTP/1.1 100 Continue\r\n\r\n"),
    ("interim_before_head_answer", heads("H"), b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
    # No body whatever the headers say.
    ("no_content_with_length", 0, b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n" + OK),
    ("not_modified_with_length", 0, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n" + OK),
    ("not_modified_chunked", 0, b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n" + NO_CONTENT),
    ("no_content_closes", 0, b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n" + OK),
    # Responses to HEAD.
    ("head_content_length", heads("HG"),
     b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" + OK),
    ("head_chunked", heads("HH"),
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"),
    ("head_until_close", heads("H"), b"HTTP/1.1 200 OK\r\n\r\n" + OK),
    ("head_over_max_body", TINY | heads("HG"),
     b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + OK),
    ("head_alternating", heads("HGHGHG"),
     b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + OK + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" + CHUNKED_OK),
    # Pipelined.
    ("pipelined", 0, OK + NO_CONTENT + CHUNKED_OK + b"HTTP/1.1 304 Not Modified\r\n\r\n" + OK),
    ("pipelined_streamed", STREAM, OK + CHUNKED_OK + OK),
    ("pipelined_after_close", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok" + OK),
    # Malformed status lines.
    ("status_no_reason_sp", 0, b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"),
    ("status_empty_reason", 0, b"HTTP/1.1 599 \r\nContent-Length: 0\r\n\r\n"),
    ("status_obs_text_reason", 0, b"HTTP/1.1 200 \xc3\xa9t\xc3\xa9\tok\r\nContent-Length: 0\r\n\r\n"),
    ("status_two_digits", 0, b"HTTP/1.1 20 OK\r\n\r\n"),
    ("status_four_digits", 0, b"HTTP/1.1 2000 OK\r\n\r\n"),
    ("status_below_100", 0, b"HTTP/1.1 099 Low\r\n\r\n"),
    ("status_above_599", 0, b"HTTP/1.1 600 High\r\n\r\n"),
    ("status_double_space", 0, b"HTTP/1.1  200 OK\r\n\r\n"),
    ("status_lowercase_version", 0, b"http/1.1 200 OK\r\n\r\n"),
    ("status_http2", 0, b"HTTP/2.0 200 OK\r\n\r\n"),
    ("status_http12", 0, b"HTTP/1.2 200 OK\r\n\r\n"),
    ("status_icy", 0, b"ICY 200 OK\r\n\r\n"),
    ("status_bare_lf", 0, b"HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n"),
    ("status_bare_cr", 0, b"HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n"),
    ("status_control_char", 0, b"HTTP/1.1 200 O\x01K\r\n\r\n"),
    ("status_empty_line_first", 0, b"\r\n" + NO_CONTENT),
    ("status_switching_protocols", 0, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"),
    ("status_too_long", TINY, b"HTTP/1.1 200 " + b"x" * 80 + b"\r\nContent-Length: 0\r\n\r\n"),
    # Framing and field errors.
    ("length_and_chunked", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"),
    ("duplicate_length", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
    ("length_list", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"),
    ("length_overflow", 0, b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
    ("transfer_encoding_gzip", 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
    ("transfer_encoding_twice", 0,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("transfer_encoding_http10", 0, b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    ("obs_fold", 0, b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
    ("space_before_colon", 0, b"HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"),
    ("connection_upgrade_no_101", 0, b"HTTP/1.1 200 OK\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 2\r\n\r\nok" + OK),
    # Limits (tiny: 64, 256, 8, 256).
    ("tiny_length_over_max_body", TINY, b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + b"a" * 300),
    ("tiny_length_over_max_body_streamed", TINY | STREAM, b"HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n" + b"a" * 300 + OK),
    ("tiny_chunked_over_max_body_streamed", TINY | STREAM,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\n" + b"b" * 256 + b"\r\n1;x=y\r\nc\r\n0\r\n\r\n"),
    ("tiny_until_close_over_max_body", TINY, b"HTTP/1.1 200 OK\r\n\r\n" + b"d" * 300),
    ("tiny_extensions", TINY | STREAM,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b"e" * 200 + b"\r\nx\r\n1;" + b"f" * 60 + b"\r\ny\r\n0\r\n\r\n"),
    ("tiny_many_fields", TINY, b"HTTP/1.1 204 No Content\r\n" + b"".join(b"F%d: v\r\n" % i for i in range(9)) + b"\r\n"),
    ("tiny_many_trailers", TINY,
     b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + b"".join(b"T%d: v\r\n" % i for i in range(8)) + b"\r\n"),
]


def responses(out):
    out.mkdir(parents=True, exist_ok=True)
    for name, settings, data in RESPONSES:
        (out / (name + ".seed")).write_bytes(bytes([settings, len(data) // 2 % 256]) + data)
    print(f"seed_corpus: {len(RESPONSES)} response seeds in {out}")


def main():
    if sys.argv[1] == "--responses":
        responses(pathlib.Path(sys.argv[2]))
        return
    cases, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in sorted(cases.glob("*.txt")):
        lines = case.read_text(encoding="utf-8").splitlines()
        start, end = lines.index("--- input") + 1, lines.index("--- expect")
        data = b"".join(decode(line) for line in lines[start:end])
        tiny = any(line.startswith("Limits: ") for line in lines[:end])
        split = len(data) // 2 % 256
        (out / (case.stem + ".seed")).write_bytes(bytes([1 if tiny else 0, split]) + data)
        count += 1
    print(f"seed_corpus: {count} seeds in {out}")


if __name__ == "__main__":
    main()
