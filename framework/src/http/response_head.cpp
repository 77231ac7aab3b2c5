#include "response_head.hpp"

#include "ascii.hpp"
#include "date_cache.hpp"

#include <charconv>

namespace weft::http::detail {
namespace {

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

bool value_is_valid(std::string_view value) noexcept {
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool is_server_owned(std::string_view name) noexcept {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

}  // namespace

bool field_is_valid(std::string_view name, std::string_view value) noexcept {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (!is_tchar(c)) return false;
  }
  return value_is_valid(value);
}

bool fields_are_valid(const Response& response) noexcept {
  if (!value_is_valid(response.content_type)) return false;
  for (const auto& field : response.headers) {
    if (!field_is_valid(field.name, field.value)) return false;
  }
  return response.status >= 100 && response.status <= 599;
}

std::optional<std::size_t> given_length(const Response& response) noexcept {
  const auto value = response.header("content-length");
  if (!value || value->empty()) return std::nullopt;
  std::size_t length = 0;
  const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), length);
  if (error != std::errc() || end != value->data() + value->size()) return std::nullopt;
  return length;
}

bool asks_to_close(const Response& response) noexcept {
  for (const auto& field : response.headers) {
    if (iequals(field.name, "connection") && iequals(trim_ows(field.value), "close")) return true;
  }
  return false;
}

std::string server_line(std::string_view name) {
  if (name.empty()) return {};
  std::string line;
  append_field(line, "Server", name);
  return line;
}

void append_head(std::string& out, const Response& response, const HeadFacts& facts) {
  if (response.status == 200) {
    out.append("HTTP/1.1 200 OK\r\n");
  } else {
    out.append("HTTP/1.1 ");
    append_number(out, static_cast<std::size_t>(response.status));
    out.push_back(' ');
    out.append(reason_phrase(response.status));
    out.append("\r\n");
  }
  bool has_date = false;
  bool has_server = false;
  for (const auto& field : response.headers) {
    has_date = has_date || iequals(field.name, "date");
    has_server = has_server || iequals(field.name, "server");
  }
  if (!has_server) out.append(facts.server_line);
  if (!has_date) out.append(date_field_now());
  if (!response.content_type.empty()) append_field(out, "Content-Type", response.content_type);
  switch (facts.framing) {
    case Framing::length:
      out.append("Content-Length: ");
      append_number(out, facts.content_length);
      out.append("\r\n");
      break;
    case Framing::chunked:
      out.append("Transfer-Encoding: chunked\r\n");
      break;
    case Framing::none:
    case Framing::until_close:
      break;
  }
  if (facts.close) {
    out.append("Connection: close\r\n");
  } else if (facts.keep_alive_field) {
    out.append("Connection: keep-alive\r\n");
  }
  for (const auto& field : response.headers) {
    if (!is_server_owned(field.name)) append_field(out, field.name, field.value);
  }
  out.append("\r\n");
}

}  // namespace weft::http::detail
