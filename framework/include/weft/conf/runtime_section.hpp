// The [runtime] section of a config file → weft::RuntimeOptions.
#pragma once

#include <weft/conf/document.hpp>
#include <weft/runtime/runtime_options.hpp>

namespace weft::conf {

/// Reads the `[runtime]` table into `options`, leaving fields whose keys are absent as
/// they are:
///
///     [runtime]
///     cores = 4               # unsigned; 0 = every online core
///     backend = "automatic"   # "automatic", "io_uring" or "epoll"
///     offload_threads = 0     # unsigned; 0 = one per core
///     pin_threads = true
///
/// Throws ConfigError (file, line, key) on a wrong type, a negative count, or a backend
/// name parse_backend() does not know; that message lists the valid names.
void read_runtime(Document& doc, RuntimeOptions& options);

}  // namespace weft::conf
