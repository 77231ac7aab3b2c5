// The runtime's pool of blocking threads behind offload(). Jobs wait in one bounded
// FIFO queue (an intrusive list, so a caller cancelled before its job starts can take
// it out in O(1)). Workers start on the first offload, so runtimes that never offload
// start no threads. A finished job goes back to its caller's core through that
// reactor's inbox.
#pragma once

#include <weft/runtime/offload.hpp>

#include <pthread.h>
#include <sched.h>

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace weft::detail {

class OffloadPool {
 public:
  OffloadPool(unsigned threads, std::size_t capacity);
  ~OffloadPool();
  OffloadPool(const OffloadPool&) = delete;
  OffloadPool& operator=(const OffloadPool&) = delete;

  bool submit(OffloadJob* job);
  bool withdraw(OffloadJob* job) noexcept;
  /// Refuses new jobs, lets the workers finish what is queued and running (at
  /// shutdown the queue is empty: cancelled callers withdrew their jobs), and joins them.
  void stop();

 private:
  void work();
  void start_workers();  // with mutex_ held

  const unsigned thread_count_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable ready_;
  OffloadJob* head_ = nullptr;  // guarded by mutex_
  OffloadJob* tail_ = nullptr;
  std::size_t size_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  cpu_set_t cpus_{};  // where workers may run: the process's CPUs, not a reactor's
  bool has_cpus_ = false;
};

}  // namespace weft::detail
