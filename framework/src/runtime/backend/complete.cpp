#include "backend.hpp"

#include "../reactor.hpp"

namespace weft::detail::backend {

void complete(Reactor& reactor, Operation& op, int result) noexcept {
  op.result = result;
  reactor.schedule(op.waiter);
}

}  // namespace weft::detail::backend
