// PerCore<T>: one T on every core, made on that core and destroyed on it. For state a
// core must own alone — an http::Client and its pooled connections, a cache, counters
// — that handlers on every core reach through `here()`, without locks or sharing.
//
//   PerCore<http::Client> clients;
//   co_await clients.make([] { return std::make_unique<http::Client>(); });
//   router.get("/a", [&clients](http::Request&) { return call(clients.here()); });
//   ...serve...
//   co_await clients.destroy();   // each Client closes its connections on its own core
//
// make() and destroy() run on every core at once (on_all_cores); between them, here()
// on any core returns that core's T. Destroy before the Runtime stops: a T holding I/O
// handles must go on its own core while its reactor runs.
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/runtime/this_core.hpp>

#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

namespace weft {

template <class T>
class PerCore {
 public:
  PerCore() = default;
  PerCore(const PerCore&) = delete;
  PerCore& operator=(const PerCore&) = delete;
  ~PerCore() = default;

  /// Calls `factory()` (returning std::unique_ptr<T>, or a Task of one) on every core
  /// and keeps each core's result. The first exception is rethrown once every core has
  /// finished; the cores that succeeded keep their T (destroy() still applies).
  /// Cancellation: total — as on_all_cores.
  /// Completes inline: never.
  template <class Factory>
  Task<void> make(Factory factory) {
    items_.resize(core_count());
    auto make_here = [this, factory]() -> Task<void> {
      if constexpr (std::is_same_v<decltype(factory()), std::unique_ptr<T>>) {
        items_[this_core()] = factory();
      } else {
        items_[this_core()] = co_await factory();
      }
    };
    co_await on_all_cores(std::move(make_here));
  }

  /// This core's T. Throws std::logic_error before make() (or after destroy()).
  T& here() const {
    const unsigned core = this_core();
    if (core >= items_.size() || items_[core] == nullptr) throw std::logic_error("PerCore: nothing made on this core");
    return *items_[core];
  }

  /// Destroys every core's T on its own core.
  /// Cancellation: total — as on_all_cores.
  /// Completes inline: never.
  Task<void> destroy() {
    co_await destroy([](T&) -> Task<void> { co_return; });
  }

  /// As destroy(), first awaiting `stop(T&)` (a Task<void>) on each core: the moment
  /// to cancel and await what the T spawned.
  /// Cancellation: total — as on_all_cores.
  /// Completes inline: never.
  template <class Stop>
  Task<void> destroy(Stop stop) {
    if (items_.empty()) co_return;
    auto destroy_here = [this, stop]() -> Task<void> {
      std::unique_ptr<T> item = std::move(items_[this_core()]);
      if (item != nullptr) co_await stop(*item);
    };
    co_await on_all_cores(std::move(destroy_here));
    items_.clear();
  }

 private:
  std::vector<std::unique_ptr<T>> items_;
};

}  // namespace weft
