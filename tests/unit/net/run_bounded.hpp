// run_bounded: weft::testing::run on a real clock, failing the test instead of hanging
// when the task takes over 10 s: a wait that never ends is the likeliest way for the
// stream tests to go wrong.
#pragma once

#include <weft/core/task.hpp>
#include <weft/runtime/with_timeout.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <utility>

namespace weft::testing {

template <class T>
T run_bounded(Task<T> body, RuntimeOptions options) {
  auto outcome = run(with_timeout(std::chrono::seconds(10), std::move(body)), options);
  if (!outcome) {
    ADD_FAILURE() << "timed out: a wait or read never completed";
    return T{};
  }
  return std::move(*outcome);
}

}  // namespace weft::testing
