// HeadScanner: the strict lexer RequestParser runs over the request line and the
// header (and trailer) field lines before llhttp sees those bytes.
//
// Why a second lexer: Debian 12's llhttp is 8.1.0, which predates the CRLF fixes of
// llhttp 8.1.1/9 (CVE-2023-30589 and its follow-ups). Even built with
// LLHTTP_STRICT_MODE it accepts a bare LF ending the request line, obs-fold
// continuation lines, repeated spaces in the request line, HTTP/0.9 and HTTP/2.0
// request lines, and a bare LF ending the trailer section. Each of these lets two
// parsers disagree on where a request ends, which is how requests are smuggled. This
// scanner applies RFC 9112's grammar to those lines byte by byte, and counts the
// request-line and header limits while it is at it.
//
// How it composes with llhttp: scan() stops at the first byte it rejects, and the
// parser hands llhttp only the bytes before that one. Whichever of the two rejects the
// earlier byte decides the outcome, so the result does not depend on how the input was
// split across reads. The scanner never looks at body bytes: the parser starts it at
// each message and again after the last chunk of a chunked body (the trailer section).
//
// While it scans a head, it also notes where the method, the target and each field's
// name and value lie (layout()): when a whole head arrives in one read, the parser
// builds the request from those offsets instead of a second pass through llhttp.
// Such a head, when it is also valid and ordinary, is scanned by a straight-line fast
// path (scan_whole_head) that ends in the state the byte-by-byte scan would reach.
#pragma once

#include <weft/http/limits.hpp>

#include <cstddef>
#include <cstdint>

namespace weft::http::detail {

class HeadScanner {
 public:
  enum class Outcome : std::uint8_t {
    more,   ///< every byte passed; the section has not ended
    done,   ///< the section ended with the empty line's LF (the last accepted byte)
    error,  ///< the byte after the accepted ones is refused: see status and reason
  };

  /// What one scan() found.
  struct Verdict {
    std::size_t accepted = 0;  ///< bytes that passed (before the refused one on error)
    Outcome outcome = Outcome::more;
    int status = 0;                ///< on error: the HTTP status to answer with
    const char* reason = nullptr;  ///< on error: a short static explanation
  };

  /// Where the pieces of the head lie, as offsets from the message's first byte
  /// (empty lines before the request line included). Field values are untrimmed.
  struct Layout {
    static constexpr std::size_t kMaxFields = 16;
    struct Field {
      std::uint32_t name_begin, name_end, value_begin, value_end;
    };
    std::uint32_t method_begin, method_end, target_begin, target_end;
    Field fields[kMaxFields];
  };

  explicit HeadScanner(const Limits& limits) noexcept : limits_(limits) {}

  /// Expect a request line (after optional empty lines); resets every counter.
  void start_message() noexcept;
  /// Expect trailer field lines and the empty line after them. The counters of the
  /// header section carry on: trailers share its budget.
  void start_trailers() noexcept;
  /// True once a byte of the request line (not an empty line before it) was scanned.
  bool started() const noexcept { return started_; }
  /// True before any byte of the message was scanned: a scan() that then ends done saw
  /// the whole head, and layout() describes it.
  bool at_message_start() const noexcept { return state_ == State::lead && scanned_ == 0; }

  /// The head's layout, complete once scan() ended done in the header section.
  const Layout& layout() const noexcept { return layout_; }
  /// Header field lines of the head: layout() holds the first Layout::kMaxFields.
  std::size_t fields() const noexcept { return fields_; }
  /// The version's minor digit ('0' or '1') once the request line was accepted.
  char version_minor() const noexcept { return version_[1]; }

  /// Scans `size` bytes, stopping after the empty line that ends the section or at
  /// the first refused byte. Once done or failed, scanning more is an error.
  Verdict scan(const char* data, std::size_t size) noexcept;

 private:
  enum class State : std::uint8_t {
    lead, lead_lf,                        // empty lines before the request line
    method, target_start, target, version, request_lf,
    field_start, name, value, field_lf,   // header or trailer field lines
    end_lf,                               // CR of the empty line seen: expect its LF
    done, failed,
  };
  enum class Fault : std::uint8_t;

  std::size_t scan_whole_head(const char* data, std::size_t size) noexcept;
  Fault step(unsigned char c) noexcept;
  std::size_t skip_plain(const char* data, std::size_t size) noexcept;
  std::size_t skip_version(const char* data, std::size_t size) noexcept;
  Fault step_request_line(unsigned char c) noexcept;
  Fault step_version(unsigned char c) noexcept;
  Fault step_field_line(unsigned char c) noexcept;
  static Verdict refuse(std::size_t accepted, Fault fault) noexcept;

  std::uint32_t here() const noexcept { return static_cast<std::uint32_t>(cursor_); }
  Layout::Field* field_in_layout() noexcept {
    return fields_ <= Layout::kMaxFields ? &layout_.fields[fields_ - 1] : nullptr;
  }

  const Limits& limits_;
  State state_ = State::lead;
  bool started_ = false;
  std::uint8_t version_len_ = 0;  // bytes of "HTTP/x.y" matched so far
  char version_[2] = {0, 0};      // the major and minor digits
  std::size_t line_bytes_ = 0;    // request line plus empty lines before it
  std::size_t field_bytes_ = 0;   // header (then trailer) field lines, CRLFs included
  std::size_t fields_ = 0;        // header (then trailer) field lines
  std::size_t scanned_ = 0;       // bytes of this message accepted by earlier scan() calls
  std::size_t cursor_ = 0;        // the offset in the message of the byte step() sees
  Layout layout_{};
};

}  // namespace weft::http::detail
