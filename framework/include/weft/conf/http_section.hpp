// The [http] section of a config file → weft::http::ServerOptions.
#pragma once

#include <weft/conf/document.hpp>
#include <weft/http/server_options.hpp>

namespace weft::conf {

/// Reads the `[http]` table (and `[http.limits]`) into `options`, leaving fields whose
/// keys are absent as they are:
///
///     [http]
///     listen = "127.0.0.1:8080"     # HOST:PORT or [V6]:PORT
///     max_connections = 10000       # per core
///     header_timeout = "10s"        # durations: seconds, or "250ms", "30s", "5m"
///     body_timeout = "30s"
///     keepalive_timeout = "60s"
///     write_timeout = "30s"
///     handler_timeout = "0s"        # 0: no limit
///     drain_timeout = "10s"
///     server_name = "weft"
///     access_log = false
///     [http.limits]
///     max_request_line = 8192
///     max_header_bytes = 16384
///     max_headers = 100
///     max_body = 1048576
///
/// Throws ConfigError (file, line, key) on a wrong type or a bad listen address.
void read_http_server(Document& doc, http::ServerOptions& options);

}  // namespace weft::conf
