#include <weft/core/log.hpp>

#include <weft/core/context.hpp>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>
#include <memory>

namespace weft::log {
namespace {

Level initial_level() {
  Level level = Level::info;
  if (const char* env = std::getenv("WEFT_LOG_LEVEL")) parse_level(env, level);
  return level;
}

// Relaxed: the level is a filter; a reader seeing a stale value for a moment is harmless.
std::atomic<Level> g_level{initial_level()};

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto made = spdlog::stderr_color_mt("weft");
    made->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ [%t] %v");
    made->set_level(spdlog::level::trace);
    made->flush_on(spdlog::level::trace);
    return made;
  }();
  return *instance;
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::trace: return spdlog::level::trace;
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  const std::string context = weft::context::describe();
  if (context.empty()) {
    logger().log(to_spdlog(level), "{}", message);
  } else {
    logger().log(to_spdlog(level), "{} {{{}}}", message, context);
  }
}

bool enabled(Level level) noexcept {
  return level != Level::off && level >= g_level.load(std::memory_order_relaxed);
}

void set_level(Level level) noexcept { g_level.store(level, std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) noexcept {
  static constexpr std::pair<std::string_view, Level> kNames[] = {
      {"trace", Level::trace}, {"debug", Level::debug}, {"info", Level::info},
      {"warn", Level::warn},   {"error", Level::error}, {"off", Level::off}};
  for (const auto& [name, level] : kNames) {
    if (name == text) {
      out = level;
      return true;
    }
  }
  return false;
}

}  // namespace weft::log
