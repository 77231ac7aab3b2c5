#include "reactor.hpp"

#include <weft/runtime/detail/scheduling.hpp>
#include <weft/runtime/submit_to.hpp>

#include <stdexcept>
#include <string>

namespace weft::detail {

void post_to_core(unsigned core, std::function<void()> work) {
  require_reactor("weft::submit_to");
  Reactor* target = Reactor::current()->peer(core);
  if (target == nullptr) throw std::out_of_range("weft::submit_to: no core " + std::to_string(core));
  target->post(std::move(work));
}

}  // namespace weft::detail
