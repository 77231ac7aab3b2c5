#include <weft/runtime/task_dump.hpp>

#include "reactor.hpp"

#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/runtime/this_core.hpp>

#include <fmt/format.h>

#include <string_view>

namespace weft {
namespace {

std::string_view base_name(const char* path) {
  std::string_view text = path;
  const auto slash = text.rfind('/');
  return slash == std::string_view::npos ? text : text.substr(slash + 1);
}

// GCC names a coroutine's body "RET NAME(NAME()::MANGLED.Frame*)": keep NAME, with
// its namespaces and template arguments, and drop the rest.
std::string_view coroutine_name(std::string_view full) {
  if (full.ends_with(".Frame*)")) {
    int depth = 0;
    for (std::size_t i = full.size(); i-- > 0;) {
      if (full[i] == ')') ++depth;
      if (full[i] == '(' && --depth == 0) {
        full = full.substr(0, i);
        break;
      }
    }
  } else if (const auto paren = full.find('('); paren != std::string_view::npos) {
    full = full.substr(0, paren);
  }
  int angle = 0;
  for (std::size_t i = full.size(); i-- > 0;) {
    if (full[i] == '>') ++angle;
    if (full[i] == '<') --angle;
    if (full[i] == ' ' && angle == 0) return full.substr(i + 1);
  }
  return full;
}

void describe_chain(const CancelState& unit, int depth, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2 + 4, ' ');
  for (const detail::PromiseBase* frame = unit.innermost; frame != nullptr; frame = frame->awaiter) {
    const std::source_location& at = frame->suspended_at;
    if (at.line() == 0) continue;  // never awaited anything yet
    const std::string_view name = coroutine_name(at.function_name());
    if (name.starts_with("weft::detail::")) continue;  // drivers: not the user's code
    fmt::format_to(std::back_inserter(out), "{}at {}:{} in {}\n", indent, base_name(at.file_name()), at.line(), name);
  }
}

void describe_unit(const CancelState& unit, int depth, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2 + 2, ' ');
  if (depth == 0) {
    fmt::format_to(std::back_inserter(out), "{}task #{} spawned at {}:{}", indent, unit.id,
                   base_name(unit.created_at.file_name()), unit.created_at.line());
    if (unit.spawned_by != 0) fmt::format_to(std::back_inserter(out), " by #{}", unit.spawned_by);
  } else {
    fmt::format_to(std::back_inserter(out), "{}branch of #{}", indent, unit.id);
  }
  if (unit.requested()) out += " (cancelled)";
  out += '\n';
  describe_chain(unit, depth, out);
  for (const CancelState* child = unit.first_child(); child != nullptr; child = child->next_sibling()) {
    describe_unit(*child, depth + 1, out);
  }
}

}  // namespace

std::string dump_tasks() {
  detail::require_reactor("weft::dump_tasks");
  const detail::Reactor& reactor = *detail::Reactor::current();
  std::string out = fmt::format("core {}: {} live task(s)\n", reactor.core(), reactor.live_roots());
  for (const detail::RootTask* root = reactor.roots(); root != nullptr; root = root->next) {
    describe_unit(root->cancel, 0, out);
  }
  return out;
}

Task<std::string> dump_all_tasks() {
  std::string out;
  for (unsigned core = 0; core < core_count(); ++core) {
    out += co_await submit_to(core, [] { return dump_tasks(); });
  }
  co_return out;
}

}  // namespace weft
