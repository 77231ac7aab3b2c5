// The Date field's value (RFC 9110 §5.6.7 IMF-fixdate), formatted at most once a
// second per core.
#pragma once

#include <string_view>

namespace weft::http::detail {

/// "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" for now, the whole field line; valid
/// until the next call on this thread.
std::string_view date_field_now() noexcept;

}  // namespace weft::http::detail
