// Which core the calling task runs on, and how many there are.
#pragma once

namespace weft {

/// The index of the calling reactor's core, 0-based. Throws std::logic_error outside a reactor.
unsigned this_core();

/// How many cores (reactors) the calling task's runtime runs. Throws outside a reactor.
unsigned core_count();

}  // namespace weft
