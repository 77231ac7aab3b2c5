// Which backend runs: probe io_uring once per process, honour WEFT_BACKEND, and say
// in one log line which backend runs and why.
#include "backend.hpp"

#include <weft/core/log.hpp>
#include <weft/core/result.hpp>

#include <liburing.h>
#include <sys/mman.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <system_error>

namespace weft::detail::backend {
namespace {

std::string errno_text(int error) { return std::string(std::strerror(error)) + " (" + std::to_string(error) + ")"; }

bool kernel_at_least(int major, int minor) {
  utsname name{};
  if (uname(&name) != 0) return false;
  int have_major = 0;
  int have_minor = 0;
  if (std::sscanf(name.release, "%d.%d", &have_major, &have_minor) != 2) return false;
  return have_major > major || (have_major == major && have_minor >= minor);
}

ProbeResult run_probe() {
  io_uring ring{};
  const int setup = io_uring_queue_init(8, &ring, 0);
  if (setup < 0) return {false, "io_uring_setup failed: " + errno_text(-setup)};

  ProbeResult result{true, {}};
  if ((ring.features & IORING_FEAT_EXT_ARG) == 0) {
    result = {false, "kernel lacks IORING_FEAT_EXT_ARG (needs Linux 5.11)"};
  }
  if (io_uring_probe* probe = io_uring_get_probe_ring(&ring)) {
    static constexpr std::pair<int, const char*> kNeeded[] = {
        {IORING_OP_ACCEPT, "ACCEPT"}, {IORING_OP_RECV, "RECV"},     {IORING_OP_SENDMSG, "SENDMSG"},
        {IORING_OP_SEND, "SEND"},     {IORING_OP_CONNECT, "CONNECT"}, {IORING_OP_ASYNC_CANCEL, "ASYNC_CANCEL"},
        {IORING_OP_READ, "READ"},     {IORING_OP_CLOSE, "CLOSE"}};
    for (const auto& [op, name] : kNeeded) {
      if (result.usable && !io_uring_opcode_supported(probe, op)) {
        result = {false, std::string("kernel lacks IORING_OP_") + name};
      }
    }
    io_uring_free_probe(probe);
  } else if (result.usable) {
    result = {false, "io_uring opcode probe refused"};
  }
  if (result.usable && !kernel_at_least(6, 0)) {
    result = {false, "kernel older than 6.0 lacks multishot recv"};
  }
  if (result.usable) {
    // A provided-buffer ring must register (Linux 5.19+, and not refused by a filter).
    void* memory = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      result = {false, "mmap for the buffer ring failed: " + errno_text(errno)};
    } else {
      io_uring_buf_reg reg{};
      reg.ring_addr = reinterpret_cast<std::uintptr_t>(memory);
      reg.ring_entries = 8;
      reg.bgid = 0;
      const int registered = io_uring_register_buf_ring(&ring, &reg, 0);
      if (registered < 0) result = {false, "buffer ring registration failed: " + errno_text(-registered)};
      else io_uring_unregister_buf_ring(&ring, 0);
      munmap(memory, 4096);
    }
  }
  io_uring_queue_exit(&ring);
  return result;
}

[[noreturn]] void refuse(const std::string& why) {
  throw std::system_error(make_error_code(errc::backend_unavailable), why);
}

}  // namespace

const ProbeResult& probe_io_uring() {
  static const ProbeResult result = run_probe();
  return result;
}

Backend resolve_backend(Backend requested) {
  if (requested == Backend::epoll) return resolve_backend(requested, ProbeResult{});
  return resolve_backend(requested, probe_io_uring());
}

Backend resolve_backend(Backend requested, const ProbeResult& probe) {
  std::string source = "requested";
  if (requested == Backend::automatic) {
    if (const char* env = std::getenv("WEFT_BACKEND"); env != nullptr && *env != '\0') {
      const auto parsed = parse_backend(env);
      if (!parsed) refuse(std::string("WEFT_BACKEND='") + env + "' is not one of automatic, io_uring, epoll");
      requested = *parsed;
      source = "forced by WEFT_BACKEND";
    }
  }
  Backend chosen = requested;
  std::string why;
  if (requested == Backend::epoll) {
    why = source;
  } else {
    if (requested == Backend::io_uring && !probe.usable) {
      refuse("io_uring was " + source + " but is unavailable: " + probe.reason);
    }
    chosen = probe.usable ? Backend::io_uring : Backend::epoll;
    why = probe.usable ? (requested == Backend::io_uring ? source : std::string("io_uring available"))
                       : "falling back: " + probe.reason;
  }
  // One line per distinct decision in this process (tests start many runtimes).
  static std::mutex mutex;
  static std::set<std::string> said;
  std::string line = fmt::format("weft: backend {} ({})", to_string(chosen), why);
  std::lock_guard lock(mutex);
  if (said.insert(line).second) log::info("{}", line);
  return chosen;
}

std::unique_ptr<IoBackend> make_backend(Backend kind, Reactor& reactor, int wake_fd) {
  if (kind == Backend::io_uring) return make_uring_backend(reactor, wake_fd);
  return make_epoll_backend(reactor, wake_fd);
}

}  // namespace weft::detail::backend
