// MessageGlue: what RequestParser (parser.cpp) and ResponseParser (response_parser.cpp)
// share around llhttp — the storage that span callbacks append to, the callbacks for
// header fields, bodies, chunks and the end of a message, and one llhttp_execute step
// with its pause handling. Each parser's Impl derives from it and adds its first line
// (request line or status line), its checks and its message type.
//
// The llhttp contract, kept here (STYLE.md convention 12):
// - span callbacks only append into `head` (or the body) and never throw: an
//   allocation failure refuses the message;
// - on_message_complete returns HPE_PAUSED, so llhttp stops after each message and the
//   bytes after it stay with the caller (pipelining); the last chunk pauses too, so the
//   trailer section can be checked by a scanner before llhttp reads it;
// - llhttp.data points at the MessageGlue; the derived Impl is reached by static_cast.
#pragma once

#include <weft/http/limits.hpp>

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::http::detail {

/// Where a piece of the first line or of a header field lies in MessageGlue::head.
struct Span {
  std::size_t begin = 0;
  std::size_t size = 0;
};

struct RawField {
  Span name;
  Span value;
};

enum class Phase : std::uint8_t {
  status_line,  // a response's status line (its own lexer runs first)
  head,         // header fields, and a request's request line (HeadScanner runs first)
  body,         // body bytes: llhttp alone
  trailers,     // after the last chunk: trailer fields (HeadScanner runs first)
  complete,     // a keep-alive message completed; the next feed() starts the next one
  closed,       // a message that ends the connection completed
  finished,     // finish() found a clean end (or completed a close-delimited body)
  failed,       // sticky error
};

/// Which span callback appended last, so a piece split over several callbacks (and
/// several feed() calls) is appended to the same Span.
enum class Piece : std::uint8_t { none, method, target, reason, name, value };

class MessageGlue {
 public:
  /// What one execute() did with the bytes it was given.
  struct Step {
    enum class Kind : std::uint8_t {
      consumed,      ///< llhttp took all of them
      complete,      ///< a message ended `used` bytes in (llhttp is paused after it)
      trailers,      ///< the last chunk ended `used` bytes in: a trailer section follows
      error,         ///< llhttp (or a callback: see pending_reason) refused; `error` says how
      disagreement,  ///< llhttp paused where nothing should pause
    };
    Kind kind = Kind::consumed;
    std::size_t used = 0;
    llhttp_errno_t error = HPE_OK;
  };

  MessageGlue(const Limits& limits, llhttp_type_t type, const llhttp_settings_t& settings);
  MessageGlue(const MessageGlue&) = delete;
  MessageGlue& operator=(const MessageGlue&) = delete;

  /// Sets the callbacks every message type shares (header fields, body, chunks, end).
  static void add_shared_callbacks(llhttp_settings_t& settings) noexcept;
  /// The MessageGlue behind an llhttp callback's parser.
  static MessageGlue& of(llhttp_t* parser) noexcept { return *static_cast<MessageGlue*>(parser->data); }

  /// Runs llhttp over [at, at + size), resuming it first when paused.
  Step execute(const char* at, std::size_t size) noexcept;

  /// Records why the message is refused (status: for requests; responses use the
  /// reason alone) and returns the code that makes llhttp stop.
  int refuse(int status, const char* reason) noexcept;
  /// Appends to `span` in `head`, starting a new span when `which` is not the piece
  /// appended last.
  int append_piece(Piece which, Span& span, const char* at, std::size_t size) noexcept;
  int append(Span& span, const char* at, std::size_t size) noexcept;
  std::string_view view(Span span) const noexcept { return std::string_view(head).substr(span.begin, span.size); }
  /// Clears what the last message left (not llhttp, which pauses between messages).
  void clear_message() noexcept;

  Limits limits;
  llhttp_t llhttp{};
  Phase phase = Phase::head;
  bool paused = false;        // llhttp returned HPE_PAUSED: resume before executing again
  bool llhttp_used = false;   // llhttp ran since it was (re)initialised: a reset must redo that
  bool message_done = false;  // on_message_complete ran
  bool last_chunk = false;    // on_chunk_header saw the zero-size chunk
  Piece piece = Piece::none;
  std::string head;  // copies of the first line's pieces, header names and values
  std::vector<RawField> fields;
  std::size_t extension_bytes = 0;  // chunk extensions, counted against max_body
  std::size_t body_bytes = 0;       // of the body so far, whether or not taken out of *body
  int pending_status = 0;           // set by a callback that refuses the message
  const char* pending_reason = nullptr;
  std::string* body = nullptr;  // where body bytes go: the message's own string
  bool body_unbounded = false;  // streamed response bodies: max_body does not apply
};

}  // namespace weft::http::detail
