// Limits: how much of a request the HTTP parser accepts before refusing it, and the
// status each refusal carries. Every limit is per request; a connection's pipelined
// requests each start afresh.
#pragma once

#include <cstddef>

namespace weft::http {

/// Size limits for one request. Going over one makes the parser fail with the status
/// named below; the connection then answers with that status and closes.
struct Limits {
  /// Bytes of the request line (method, target and version, without its CRLF), plus
  /// any empty lines before it. Over it: 414 URI Too Long.
  std::size_t max_request_line = 8192;
  /// Bytes of the header field lines after the request line, CRLFs included, without
  /// the empty line that ends them. Trailer fields of a chunked body count towards the
  /// same budget. Over it: 431 Request Header Fields Too Large.
  std::size_t max_header_bytes = 16384;
  /// Number of header field lines, trailer fields included. Over it: 431.
  std::size_t max_headers = 100;
  /// Bytes of the body after chunked decoding, plus the bytes of any chunk extensions.
  /// A Content-Length over it is refused as soon as the headers end, before any body
  /// byte arrives. Over it: 413 Content Too Large.
  std::size_t max_body = std::size_t{1} << 20;
};

}  // namespace weft::http
