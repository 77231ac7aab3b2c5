// Oneshot<T>: one test per sentence of the policy in oneshot.hpp's header comment,
// named after it, then the ends' lifetimes with a Counted value type and a leak check.
// Runtimes run on a paused clock; order is shown by logs. One yield_now() lets every
// task spawned before it reach its wait.
#include <weft/sync/oneshot.hpp>

#include <weft/core/frame_allocator.hpp>
#include <weft/core/result.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/testing/backends.hpp>
#include <weft/testing/run.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using namespace std::chrono_literals;
using weft::JoinHandle;
using weft::Result;
using weft::Task;
using Log = std::vector<std::string>;

class Oneshot : public weft::testing::IoTest {
 protected:
  template <class T>
  T run(Task<T> task) {
    return weft::testing::run(std::move(task), paused_options());
  }
};
WEFT_INSTANTIATE_BACKENDS(Oneshot);

struct Counted {
  static inline int live = 0;
  int id;
  explicit Counted(int i) : id(i) { ++live; }
  Counted(const Counted& other) : id(other.id) { ++live; }
  Counted(Counted&& other) noexcept : id(std::exchange(other.id, -1)) { ++live; }
  ~Counted() { --live; }
};

std::string describe(const std::error_code& ec) {
  if (ec == weft::errc::closed) return "closed";
  if (weft::is_cancelled(ec)) return "cancelled";
  if (ec == std::errc::operation_would_block) return "would block";
  return ec.message();
}

// Receives once and logs "got <value>" or "recv: <error>".
Task<void> receiver(weft::Oneshot<int>* oneshot, Log* log) {
  Result<int> got = co_await oneshot->recv();
  log->push_back(got ? "got " + std::to_string(*got) : "recv: " + describe(got.error()));
}

// Sleeps, then sends `value` (or just drops the sender when `value` is negative).
Task<void> late_sender(weft::Oneshot<int>::Sender sender, int value, Log* log) {
  co_await weft::sleep(1h);
  if (value < 0) {
    log->push_back("dropping sender");
    co_return;
  }
  log->push_back("sending " + std::to_string(value));
  EXPECT_TRUE(sender.send(value));
}

Task<void> record(Log* log, std::string what) {
  log->push_back(std::move(what));
  co_return;
}

// --- "recv() returns the value at once if it was sent; otherwise it waits for send()." -----

TEST_P(Oneshot, RecvReturnsASentValueWithoutLettingOtherTasksRun) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    EXPECT_TRUE(oneshot.sender().send(5));
    EXPECT_TRUE(oneshot.is_ready());
    JoinHandle<void> other = weft::spawn(record(&log, "other task"));
    co_await receiver(&oneshot, &log);
    co_await other;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"got 5", "other task"}));
}

TEST_P(Oneshot, RecvWaitsForSend) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    JoinHandle<void> s = weft::spawn(late_sender(oneshot.sender(), 6, &log));
    co_await receiver(&oneshot, &log);
    co_await s;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"sending 6", "got 6"}));
}

// --- "Dropping the Sender without sending wakes recv() with errc::closed." ------------------

TEST_P(Oneshot, DroppingTheSenderUnsentWakesRecvWithClosed) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    JoinHandle<void> s = weft::spawn(late_sender(oneshot.sender(), -1, &log));
    co_await receiver(&oneshot, &log);
    co_await s;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"dropping sender", "recv: closed"}));
}

// --- "The value is received once: after it was taken, recv() fails with errc::closed." -----

TEST_P(Oneshot, TheValueIsReceivedOnceThenRecvFailsWithClosed) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    weft::Oneshot<int>::Sender sender = oneshot.sender();
    EXPECT_TRUE(sender.send(1));
    co_await receiver(&oneshot, &log);
    co_await receiver(&oneshot, &log);
    log.push_back("try_recv: " + describe(oneshot.try_recv().error()));
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"got 1", "recv: closed", "try_recv: closed"}));
}

// --- "send() fails with errc::closed when the receiving end is gone (the value is
//      destroyed); it never waits." -----------------------------------------------------------

TEST_P(Oneshot, SendFailsWithClosedWhenTheReceivingEndIsGoneAndDestroysTheValue) {
  auto body = []() -> Task<Log> {
    Log log;
    weft::Oneshot<Counted>::Sender sender;
    {
      weft::Oneshot<Counted> oneshot;
      sender = oneshot.sender();
    }
    log.push_back(sender.is_closed() ? "closed" : "open");
    Result<void> sent = sender.send(Counted(1));
    log.push_back("send: " + describe(sent.error()) + ", live " + std::to_string(Counted::live));
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"closed", "send: closed, live 0"}));
}

// Not a coroutine: the Oneshot dies when this returns; its recv() task lives on.
Task<Result<int>> ask(std::vector<weft::Oneshot<int>::Sender>* outbox) {
  weft::Oneshot<int> reply;
  outbox->push_back(reply.sender());
  return reply.recv();
}

TEST_P(Oneshot, ARecvTaskThatOutlivesItsOneshotIsStillTheReceivingEnd) {
  auto body = []() -> Task<Log> {
    Log log;
    std::vector<weft::Oneshot<int>::Sender> outbox;
    Task<Result<int>> answer = ask(&outbox);
    log.push_back(outbox[0].is_closed() ? "closed" : "open");
    JoinHandle<void> s = weft::spawn(late_sender(std::move(outbox[0]), 8, &log));
    Result<int> got = co_await std::move(answer);
    log.push_back(got ? "got " + std::to_string(*got) : "recv: " + describe(got.error()));
    co_await s;
    // Dropped unawaited, the task no longer holds the receiving end open.
    outbox.clear();
    Task<Result<int>> dropped = ask(&outbox);
    dropped = Task<Result<int>>();
    log.push_back(outbox[0].is_closed() ? "closed" : "open");
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"open", "sending 8", "got 8", "closed"}));
}

// --- "Cancelling a waiting recv() makes it fail with operation_canceled; the Sender can still
//      send, and a later recv() gets the value." --------------------------------------------

TEST_P(Oneshot, CancellingAWaitingRecvFailsItAndALaterRecvGetsTheValue) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    weft::Oneshot<int>::Sender sender = oneshot.sender();
    JoinHandle<void> r = weft::spawn(receiver(&oneshot, &log));
    co_await weft::yield_now();
    r.cancel();
    co_await r;
    EXPECT_TRUE(sender.send(2));
    co_await receiver(&oneshot, &log);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"recv: cancelled", "got 2"}));
}

// --- "Cancellation wins until the receiver runs, and nothing is handed to it before it runs:
//      ... the value stays for the next recv(). So a recv() that loses a select never
//      swallows the value." ---------------------------------------------------------------

TEST_P(Oneshot, ReceiverWokenButCancelledBeforeItRunsLeavesTheValueForTheNextRecv) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    weft::Oneshot<int>::Sender sender = oneshot.sender();
    JoinHandle<void> r = weft::spawn(receiver(&oneshot, &log));
    co_await weft::yield_now();
    EXPECT_TRUE(sender.send(3));  // wakes the receiver...
    r.cancel();                   // ...which is cancelled before it runs
    co_await r;
    log.push_back(oneshot.is_ready() ? "still there" : "gone");
    co_await receiver(&oneshot, &log);
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"recv: cancelled", "still there", "got 3"}));
}

TEST_P(Oneshot, RecvThatLosesASelectNeverSwallowsTheValue) {
  auto sender_at = [](weft::Oneshot<int>::Sender sender, std::chrono::milliseconds delay) -> Task<void> {
    co_await weft::sleep(delay);
    EXPECT_TRUE(sender.send(1));
  };
  auto body = [&](int order) -> Task<int> {
    weft::Oneshot<int> oneshot;
    weft::Oneshot<int>::Sender sender = oneshot.sender();
    JoinHandle<void> before;
    if (order == 0) before = weft::spawn(sender_at(std::move(sender), 1s));
    co_await weft::yield_now();
    JoinHandle<void> after;
    if (order == 1) after = weft::spawn(sender_at(std::move(sender), 1s));
    auto outcome = co_await weft::select(oneshot.recv(), weft::sleep(1s));
    int received = 0;
    if (outcome.index() == 0) received += std::get<0>(outcome).value();
    if (before.valid()) co_await before;
    if (after.valid()) co_await after;
    if (Result<int> rest = oneshot.try_recv()) received += *rest;
    co_return received;
  };
  for (int order = 0; order < 2; ++order) EXPECT_EQ(run(body(order)), 1) << "order " << order;
}

// --- "recv() in a task that is already cancelled fails at once with operation_canceled and
//      takes nothing; try_recv() is never cancelled." ---------------------------------------

TEST_P(Oneshot, RecvInAnAlreadyCancelledTaskFailsAtOnceAndTakesNothing) {
  auto task = [](weft::Oneshot<int>* oneshot) -> Task<Log> {
    Log log;
    Result<int> got = co_await oneshot->recv();
    log.push_back(got ? "got " + std::to_string(*got) : "recv: " + describe(got.error()));
    Result<int> tried = oneshot->try_recv();
    log.push_back(tried ? "try_recv " + std::to_string(*tried) : "try_recv: " + describe(tried.error()));
    co_return log;
  };
  auto body = [&]() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    EXPECT_TRUE(oneshot.sender().send(4));
    JoinHandle<Log> handle = weft::spawn(task(&oneshot));
    handle.cancel();
    co_return co_await handle;
  };
  EXPECT_EQ(run(body()), (Log{"recv: cancelled", "try_recv 4"}));
}

// --- "Misuse throws std::logic_error: a second sender(), a second send(), send() on an empty
//      Sender, and recv() while another recv() waits." --------------------------------------

TEST_P(Oneshot, MisuseThrowsLogicError) {
  auto body = []() -> Task<Log> {
    weft::Oneshot<int> oneshot;
    Log log;
    weft::Oneshot<int>::Sender sender = oneshot.sender();
    try {
      (void)oneshot.sender();
    } catch (const std::logic_error&) {
      log.push_back("second sender()");
    }
    JoinHandle<void> r = weft::spawn(receiver(&oneshot, &log));
    co_await weft::yield_now();
    try {
      (void)co_await oneshot.recv();
    } catch (const std::logic_error&) {
      log.push_back("second recv()");
    }
    EXPECT_TRUE(sender.send(1));
    try {
      (void)sender.send(2);
    } catch (const std::logic_error&) {
      log.push_back("second send()");
    }
    weft::Oneshot<int>::Sender empty;
    try {
      (void)empty.send(3);
    } catch (const std::logic_error&) {
      log.push_back("empty send()");
    }
    co_await r;
    co_return log;
  };
  EXPECT_EQ(run(body()), (Log{"second sender()", "second recv()", "second send()", "empty send()", "got 1"}));
}

// --- "either end may outlive the other" (one allocation shared by both ends) ----------------

TEST_P(Oneshot, EitherEndMayOutliveTheOtherAndNothingLeaks) {
  auto body = []() -> Task<std::int64_t> {
    const std::int64_t before = weft::frame_stats().live;
    {
      // The receiving end outlives its sender, which sends first.
      weft::Oneshot<Counted> oneshot;
      {
        weft::Oneshot<Counted>::Sender sender = oneshot.sender();
        EXPECT_TRUE(sender.send(Counted(1)));
      }
      EXPECT_EQ((co_await oneshot.recv())->id, 1);
    }
    {
      // The sender outlives the receiving end; the unreceived value dies with the end.
      weft::Oneshot<Counted>::Sender sender;
      {
        weft::Oneshot<Counted> oneshot;
        sender = oneshot.sender();
        EXPECT_TRUE(sender.send(Counted(2)));
        EXPECT_EQ(Counted::live, 1);
      }
      EXPECT_EQ(Counted::live, 0);
    }
    {
      // A recv() task made before its Oneshot is moved away still receives.
      weft::Oneshot<Counted> first;
      Task<Result<Counted>> pending = first.recv();
      weft::Oneshot<Counted> second = std::move(first);
      EXPECT_TRUE(second.sender().send(Counted(3)));
      EXPECT_EQ((co_await std::move(pending))->id, 3);
    }
    co_return weft::frame_stats().live - before;
  };
  EXPECT_EQ(run(body()), 0);
  EXPECT_EQ(Counted::live, 0);
}

}  // namespace
