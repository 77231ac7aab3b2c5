#include "llhttp_glue.hpp"

#include <algorithm>

namespace weft::http::detail {
namespace {

// Shared span callbacks: they only append and never throw.

int on_header_field(llhttp_t* parser, const char* at, std::size_t size) {
  MessageGlue& s = MessageGlue::of(parser);
  if (s.phase != Phase::head) return 0;  // a trailer field: checked, not kept
  if (s.piece != Piece::name) {
    try {
      s.fields.push_back({{s.head.size(), 0}, {}});
    } catch (...) {
      return s.refuse(500, "out of memory");
    }
    s.piece = Piece::name;
  }
  return s.append(s.fields.back().name, at, size);
}

int on_header_field_complete(llhttp_t* parser) {
  MessageGlue& s = MessageGlue::of(parser);
  if (s.phase != Phase::head) return 0;
  s.fields.back().value = {s.head.size(), 0};  // a value may be empty: no on_header_value
  s.piece = Piece::value;
  return 0;
}

int on_header_value(llhttp_t* parser, const char* at, std::size_t size) {
  MessageGlue& s = MessageGlue::of(parser);
  if (s.phase != Phase::head) return 0;
  return s.append(s.fields.back().value, at, size);
}

int on_header_value_complete(llhttp_t* parser) {
  MessageGlue::of(parser).piece = Piece::none;
  return 0;
}

int on_body(llhttp_t* parser, const char* at, std::size_t size) {
  MessageGlue& s = MessageGlue::of(parser);
  if (!s.body_unbounded && s.body_bytes + s.extension_bytes + size > s.limits.max_body) {
    return s.refuse(413, "body too large");
  }
  s.body_bytes += size;
  try {
    s.body->append(at, size);
  } catch (...) {
    return s.refuse(500, "out of memory");
  }
  return 0;
}

int on_chunk_extension(llhttp_t* parser, const char*, std::size_t size) {
  MessageGlue& s = MessageGlue::of(parser);
  s.extension_bytes += size;
  if (s.extension_bytes > s.limits.max_body ||
      (!s.body_unbounded && s.body_bytes + s.extension_bytes > s.limits.max_body)) {
    return s.refuse(413, "chunk extensions too large");
  }
  return 0;
}

// llhttp stores the chunk's size in content_length. The last chunk pauses llhttp so
// that HeadScanner can check the trailer section before llhttp reads it.
int on_chunk_header(llhttp_t* parser) {
  MessageGlue& s = MessageGlue::of(parser);
  const auto size = parser->content_length;
  if (size == 0) {
    s.last_chunk = true;
    return HPE_PAUSED;
  }
  const std::size_t used = s.body_bytes + s.extension_bytes;
  if (!s.body_unbounded && size > s.limits.max_body - std::min(s.limits.max_body, used)) {
    s.refuse(413, "body too large");
    return -1;
  }
  return 0;
}

// Pausing here keeps pipelined messages apart: llhttp stops right after the message,
// and llhttp_get_error_pos() says how far that was.
int on_message_complete(llhttp_t* parser) {
  MessageGlue::of(parser).message_done = true;
  return HPE_PAUSED;
}

}  // namespace

MessageGlue::MessageGlue(const Limits& l, llhttp_type_t type, const llhttp_settings_t& settings) : limits(l) {
  llhttp_init(&llhttp, type, &settings);
  llhttp.data = this;
}

void MessageGlue::add_shared_callbacks(llhttp_settings_t& s) noexcept {
  s.on_header_field = on_header_field;
  s.on_header_field_complete = on_header_field_complete;
  s.on_header_value = on_header_value;
  s.on_header_value_complete = on_header_value_complete;
  s.on_body = on_body;
  s.on_chunk_extension_name = on_chunk_extension;
  s.on_chunk_extension_value = on_chunk_extension;
  s.on_chunk_header = on_chunk_header;
  s.on_message_complete = on_message_complete;
}

MessageGlue::Step MessageGlue::execute(const char* at, std::size_t size) noexcept {
  if (paused) llhttp_resume(&llhttp);
  paused = false;
  llhttp_used = true;
  const llhttp_errno_t err = llhttp_execute(&llhttp, at, size);
  if (err == HPE_OK) return {Step::Kind::consumed, size};
  if (err != HPE_PAUSED) return {Step::Kind::error, 0, err};
  paused = true;
  const auto used = static_cast<std::size_t>(llhttp_get_error_pos(&llhttp) - at);
  if (message_done) return {Step::Kind::complete, used};
  if (!last_chunk) return {Step::Kind::disagreement, used};
  last_chunk = false;
  phase = Phase::trailers;
  return {Step::Kind::trailers, used};
}

int MessageGlue::refuse(int status, const char* reason) noexcept {
  pending_status = status;
  pending_reason = reason;
  return HPE_USER;
}

int MessageGlue::append_piece(Piece which, Span& span, const char* at, std::size_t size) noexcept {
  if (piece != which) span = {head.size(), 0};
  piece = which;
  return append(span, at, size);
}

int MessageGlue::append(Span& span, const char* at, std::size_t size) noexcept {
  try {
    head.append(at, size);
  } catch (...) {
    return refuse(500, "out of memory");
  }
  span.size += size;
  return 0;
}

void MessageGlue::clear_message() noexcept {
  message_done = false;
  last_chunk = false;
  piece = Piece::none;
  head.clear();
  fields.clear();
  extension_bytes = 0;
  body_bytes = 0;
  pending_status = 0;
  pending_reason = nullptr;
}

}  // namespace weft::http::detail
