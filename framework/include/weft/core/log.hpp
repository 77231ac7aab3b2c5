// A thin logging façade. Framework code logs through these functions; where the text
// goes (spdlog's stderr sink by default) is decided in one place, src/core/log.cpp,
// so no public header pulls in spdlog. Formatting uses fmt's syntax.
#pragma once

#include <fmt/format.h>

#include <string_view>
#include <utility>

namespace weft::log {

enum class Level { trace, debug, info, warn, error, off };

/// Writes one line at `level`. Thread-safe.
void write(Level level, std::string_view message);

/// True when a line at `level` would be written.
bool enabled(Level level) noexcept;

/// Sets the lowest level written (default: info, or WEFT_LOG_LEVEL from the environment).
void set_level(Level level) noexcept;

/// Parses "trace", "debug", "info", "warn", "error" or "off".
bool parse_level(std::string_view text, Level& out) noexcept;

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::trace)) write(Level::trace, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::debug)) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::info)) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::warn)) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::error)) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace weft::log
