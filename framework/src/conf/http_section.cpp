#include <weft/conf/http_section.hpp>

#include <string>

namespace weft::conf {

void read_http_server(Document& doc, http::ServerOptions& options) {
  if (doc.contains("http.listen")) {
    std::string listen;
    doc.read("http.listen", listen);
    auto address = net::Address::parse(listen);
    if (!address) throw doc.error_at("http.listen", net::Address::explain_parse_error(listen));
    options.listen = *address;
  }
  doc.read("http.max_connections", options.max_connections);
  doc.read("http.header_timeout", options.header_timeout);
  doc.read("http.body_timeout", options.body_timeout);
  doc.read("http.keepalive_timeout", options.keepalive_timeout);
  doc.read("http.write_timeout", options.write_timeout);
  doc.read("http.handler_timeout", options.handler_timeout);
  doc.read("http.drain_timeout", options.drain_timeout);
  doc.read("http.server_name", options.server_name);
  doc.read("http.access_log", options.access_log);
  doc.read("http.limits.max_request_line", options.limits.max_request_line);
  doc.read("http.limits.max_header_bytes", options.limits.max_header_bytes);
  doc.read("http.limits.max_headers", options.limits.max_headers);
  doc.read("http.limits.max_body", options.limits.max_body);
  if (options.max_connections == 0) throw doc.error_at("http.max_connections", "must be at least 1");
  for (const char* key : {"http.header_timeout", "http.body_timeout", "http.keepalive_timeout", "http.write_timeout"}) {
    if (doc.contains(key)) {
      std::chrono::milliseconds value{};
      doc.read(key, value);
      if (value.count() == 0) throw doc.error_at(key, "must be more than 0");
    }
  }
}

}  // namespace weft::conf
