#include <weft/http/request.hpp>

#include "ascii.hpp"

namespace weft::http {

Method method_from_string(std::string_view name) noexcept {
  struct Entry {
    std::string_view name;
    Method method;
  };
  static constexpr Entry kMethods[] = {
      {"GET", Method::get},         {"HEAD", Method::head},       {"POST", Method::post},
      {"PUT", Method::put},         {"DELETE", Method::delete_},  {"CONNECT", Method::connect},
      {"OPTIONS", Method::options}, {"TRACE", Method::trace},     {"PATCH", Method::patch},
  };
  for (const auto& entry : kMethods) {
    if (entry.name == name) return entry.method;
  }
  return Method::other;
}

bool is_idempotent(std::string_view method) noexcept {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE";
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  for (const auto& field : headers) {
    if (detail::iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::optional<std::string_view> Request::param(std::string_view name) const noexcept {
  for (const auto& p : params) {
    if (p.name == name) return p.value;
  }
  return std::nullopt;
}

}  // namespace weft::http
