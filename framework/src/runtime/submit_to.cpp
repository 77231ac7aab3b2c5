#include "reactor.hpp"

#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/submit_to.hpp>

#include <stdexcept>
#include <string>

namespace weft::detail {

namespace {
Reactor& target_of(unsigned core) {
  require_reactor("weft::submit_to");
  Reactor* target = Reactor::current()->peer(core);
  if (target == nullptr) throw std::out_of_range("weft::submit_to: no core " + std::to_string(core));
  return *target;
}
}  // namespace

void send_to_core(unsigned core, void (*fn)(void*) noexcept, void* arg) {
  Reactor& target = target_of(core);
  target.send_from(Reactor::current()->core(), {fn, arg});
}

}  // namespace weft::detail
