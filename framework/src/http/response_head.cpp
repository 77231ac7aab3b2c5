#include "response_head.hpp"

#include "ascii.hpp"
#include "byte_words.hpp"
#include "date_cache.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

namespace weft::http::detail {
namespace {

// No CR, LF or NUL: a word without a byte below 0x0e holds none of them. Every
// response's Content-Type and fields go through this.
bool value_is_valid(std::string_view value) noexcept {
  const char* p = value.data();
  const char* const end = p + value.size();
  while (end - p >= 8 && bytes_below(load_word(p), 0x0e) == 0) p += 8;
  for (; p != end; ++p) {
    if (*p == '\r' || *p == '\n' || *p == '\0') return false;
  }
  return true;
}

bool is_server_owned(std::string_view name) noexcept {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

// Writes a head into memory append_head has sized for all of it: one string resize per
// response instead of a capacity check and a length update per piece.
class HeadWriter {
 public:
  static constexpr std::size_t kMaxDigits = 20;  // of a std::size_t

  explicit HeadWriter(char* at) noexcept : at_(at) {}
  void put(std::string_view text) noexcept { at_ = std::copy(text.begin(), text.end(), at_); }
  void put_number(std::size_t value) noexcept { at_ = std::to_chars(at_, at_ + kMaxDigits, value).ptr; }
  void put_field(std::string_view name, std::string_view value) noexcept {
    put(name);
    put(": ");
    put(value);
    put("\r\n");
  }
  char* end() const noexcept { return at_; }

 private:
  char* at_;
};

constexpr std::string_view kOkLine = "HTTP/1.1 200 OK\r\n";
constexpr std::string_view kVersion = "HTTP/1.1 ";
constexpr std::string_view kContentType = "Content-Type: ";
constexpr std::string_view kContentLength = "Content-Length: ";
constexpr std::string_view kChunked = "Transfer-Encoding: chunked\r\n";
constexpr std::string_view kClose = "Connection: close\r\n";
constexpr std::string_view kKeepAlive = "Connection: keep-alive\r\n";

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
  std::string line = "Server: ";
  line.append(name).append("\r\n");
  return line;
}

void append_head(std::string& out, const Response& response, const HeadFacts& facts) {
  bool has_date = false;
  bool has_server = false;
  std::size_t fields_bytes = 0;
  for (const auto& field : response.headers) {
    has_date = has_date || iequals(field.name, "date");
    has_server = has_server || iequals(field.name, "server");
    fields_bytes += field.name.size() + field.value.size() + 4;  // ": " and CRLF
  }
  const std::string_view reason = response.status == 200 ? std::string_view() : reason_phrase(response.status);
  const std::string_view server = has_server ? std::string_view() : std::string_view(facts.server_line);
  const std::string_view date = has_date ? std::string_view() : date_field_now();
  // At most what the writes below add: every fixed piece, whichever is written.
  const std::size_t most = kVersion.size() + HeadWriter::kMaxDigits + 1 + reason.size() + 2 + kOkLine.size() +
                           server.size() + date.size() + kContentType.size() + response.content_type.size() + 2 +
                           kContentLength.size() + HeadWriter::kMaxDigits + 2 + kChunked.size() + kKeepAlive.size() +
                           fields_bytes + 2;
  const std::size_t start = out.size();
  out.resize_and_overwrite(start + most, [&](char* data, std::size_t) noexcept {
    HeadWriter head(data + start);
    if (response.status == 200) {
      head.put(kOkLine);
    } else {
      head.put(kVersion);
      head.put_number(static_cast<std::size_t>(response.status));
      head.put(" ");
      head.put(reason);
      head.put("\r\n");
    }
    head.put(server);
    head.put(date);
    if (!response.content_type.empty()) {
      head.put(kContentType);
      head.put(response.content_type);
      head.put("\r\n");
    }
    switch (facts.framing) {
      case Framing::length:
        head.put(kContentLength);
        head.put_number(facts.content_length);
        head.put("\r\n");
        break;
      case Framing::chunked:
        head.put(kChunked);
        break;
      case Framing::none:
      case Framing::until_close:
        break;
    }
    if (facts.close) {
      head.put(kClose);
    } else if (facts.keep_alive_field) {
      head.put(kKeepAlive);
    }
    for (const auto& field : response.headers) {
      if (!is_server_owned(field.name)) head.put_field(field.name, field.value);
    }
    head.put("\r\n");
    assert(head.end() <= data + start + most);
    return static_cast<std::size_t>(head.end() - data);
  });
}

}  // namespace weft::http::detail
