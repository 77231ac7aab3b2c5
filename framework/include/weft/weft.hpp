// The umbrella header, for applications and examples. Framework code includes the
// one header it needs instead.
#pragma once

#include <weft/core/cancellation.hpp>
#include <weft/core/context.hpp>
#include <weft/core/log.hpp>
#include <weft/core/result.hpp>
#include <weft/core/task.hpp>

#include <weft/runtime/clock.hpp>
#include <weft/runtime/io_handle.hpp>
#include <weft/runtime/join.hpp>
#include <weft/runtime/offload.hpp>
#include <weft/runtime/runtime.hpp>
#include <weft/runtime/runtime_options.hpp>
#include <weft/runtime/select.hpp>
#include <weft/runtime/signals.hpp>
#include <weft/runtime/sleep.hpp>
#include <weft/runtime/spawn.hpp>
#include <weft/runtime/submit_to.hpp>
#include <weft/runtime/per_core.hpp>
#include <weft/runtime/task_dump.hpp>
#include <weft/runtime/this_core.hpp>
#include <weft/runtime/with_deadline.hpp>
#include <weft/runtime/with_timeout.hpp>

#include <weft/sync/channel.hpp>
#include <weft/sync/event.hpp>
#include <weft/sync/mutex.hpp>
#include <weft/sync/oneshot.hpp>
#include <weft/sync/semaphore.hpp>

#include <weft/net/address.hpp>
#include <weft/net/stream.hpp>
#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/net/resolve.hpp>
#include <weft/net/unix_stream.hpp>

#include <weft/http/limits.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/http/body_writer.hpp>
#include <weft/http/body_reader.hpp>
#include <weft/http/peer_address.hpp>
#include <weft/http/handler.hpp>
#include <weft/http/router.hpp>
#include <weft/http/server_options.hpp>
#include <weft/http/server.hpp>
#include <weft/http/client_options.hpp>
#include <weft/http/client.hpp>

#include <weft/conf/config_error.hpp>
#include <weft/conf/document.hpp>
#include <weft/conf/runtime_section.hpp>
#include <weft/conf/command_line.hpp>
#include <weft/conf/http_section.hpp>
#include <weft/conf/service_config.hpp>
