// Task-local context: small string values (a request id, a trace id, a deadline)
// that follow the work. A value set in a task is seen by the rest of that task's
// await chain, by the tasks it spawns afterwards, by the branches of its join/select,
// and inside offload and submit_to. Children get a snapshot: what a child sets stays
// with the child. The log façade appends the context to every line it writes.
//
// The map is immutable and shared by reference count; set() copies it. A task that
// never sets context pays nothing for it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft {

namespace detail {
struct ContextMap {
  std::vector<std::pair<std::string, std::string>> entries;  // sorted by key
};
using ContextPtr = std::shared_ptr<const ContextMap>;

/// The context of the running task (or of the offload job on this thread).
ContextPtr current_context() noexcept;
/// Makes `context` the running task's (submit_to's remote side uses it).
void adopt_context(ContextPtr context) noexcept;
/// For threads that run work outside tasks (the offload pool): the context to report.
void set_thread_context(ContextPtr context) noexcept;
}  // namespace detail

namespace context {

/// Sets `key` in the running task's context. Outside a task: no effect.
void set(std::string_view key, std::string value);

/// The value of `key` in the running task's (or offload job's) context.
std::optional<std::string> get(std::string_view key);

/// Removes `key` from the running task's context.
void erase(std::string_view key);

/// "key=value key2=value2", or empty: for log lines.
std::string describe();

}  // namespace context
}  // namespace weft
