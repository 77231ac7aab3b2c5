#include <weft/core/cancellation.hpp>
#include <weft/core/context.hpp>

#include <algorithm>

namespace weft {
namespace detail {
namespace {
thread_local ContextPtr t_thread_context;

template <class Map>
auto find(Map& map, std::string_view key) {
  return std::lower_bound(map.entries.begin(), map.entries.end(), key,
                          [](const auto& entry, std::string_view wanted) { return entry.first < wanted; });
}
}  // namespace

ContextPtr current_context() noexcept {
  if (const CancelState* state = current_cancel_state()) return state->context;
  return t_thread_context;
}

void adopt_context(ContextPtr context) noexcept {
  if (CancelState* state = current_cancel_state()) state->context = std::move(context);
}

void set_thread_context(ContextPtr context) noexcept { t_thread_context = std::move(context); }

}  // namespace detail

namespace context {

void set(std::string_view key, std::string value) {
  CancelState* state = detail::current_cancel_state();
  if (state == nullptr) return;
  auto next = std::make_shared<detail::ContextMap>(state->context ? *state->context : detail::ContextMap{});
  auto at = detail::find(*next, key);
  if (at != next->entries.end() && at->first == key) {
    at->second = std::move(value);
  } else {
    next->entries.insert(at, {std::string(key), std::move(value)});
  }
  state->context = std::move(next);
}

std::optional<std::string> get(std::string_view key) {
  const detail::ContextPtr map = detail::current_context();
  if (!map) return std::nullopt;
  auto at = detail::find(*map, key);
  if (at == map->entries.end() || at->first != key) return std::nullopt;
  return at->second;
}

void erase(std::string_view key) {
  CancelState* state = detail::current_cancel_state();
  if (state == nullptr || !state->context) return;
  auto next = std::make_shared<detail::ContextMap>(*state->context);
  auto at = detail::find(*next, key);
  if (at == next->entries.end() || at->first != key) return;
  next->entries.erase(at);
  state->context = std::move(next);
}

std::string describe() {
  const detail::ContextPtr map = detail::current_context();
  std::string out;
  if (!map) return out;
  for (const auto& [key, value] : map->entries) {
    if (!out.empty()) out += ' ';
    out.append(key).append("=").append(value);
  }
  return out;
}

}  // namespace context
}  // namespace weft
