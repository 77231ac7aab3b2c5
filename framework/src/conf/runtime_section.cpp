#include <weft/conf/runtime_section.hpp>

#include <string>

namespace weft::conf {

void read_runtime(Document& doc, RuntimeOptions& options) {
  doc.read("runtime.cores", options.cores);
  doc.read("runtime.offload_threads", options.offload_threads);
  doc.read("runtime.pin_threads", options.pin_threads);

  std::string backend;
  doc.read("runtime.backend", backend);
  if (!doc.contains("runtime.backend")) return;
  const auto parsed = parse_backend(backend);
  if (!parsed) {
    throw doc.error_at("runtime.backend",
                       "expected one of \"automatic\", \"io_uring\", \"epoll\", got \"" +
                           backend + "\"");
  }
  options.backend = *parsed;
}

}  // namespace weft::conf
