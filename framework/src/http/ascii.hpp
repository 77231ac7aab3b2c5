// ASCII helpers shared by the HTTP area's sources: character classes of RFC 9110/9112
// and case-insensitive comparison. Locale-free and constexpr.
#pragma once

#include <array>
#include <string_view>

namespace weft::http::detail {

constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Equal ignoring ASCII case: header names, Connection/Expect/Transfer-Encoding tokens.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

/// tchar (RFC 9110 §5.6.2): the characters of a method or a header field name. A table:
/// every request's method and field names, and every response's field names, go
/// through it.
inline constexpr std::array<bool, 256> kTchar = [] {
  std::array<bool, 256> table{};
  for (unsigned c = 0; c < 256; ++c) {
    table[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
               std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
  }
  return table;
}();
constexpr bool is_tchar(unsigned char c) noexcept { return kTchar[c]; }

/// Visible ASCII (VCHAR without obs-text): the characters of a request-target.
constexpr bool is_vchar(unsigned char c) noexcept { return c >= 0x21 && c <= 0x7e; }

/// field-vchar / SP / HTAB (RFC 9110 §5.5): what a header value may hold. obs-text
/// (0x80-0xff) is allowed, as the RFC says recipients should accept it.
constexpr bool is_field_value_char(unsigned char c) noexcept {
  return c == '\t' || c == ' ' || is_vchar(c) || c >= 0x80;
}

/// Optional whitespace (OWS): SP or HTAB.
constexpr bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

/// `text` without leading and trailing OWS.
constexpr std::string_view trim_ows(std::string_view text) noexcept {
  while (!text.empty() && is_ows(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ows(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace weft::http::detail
