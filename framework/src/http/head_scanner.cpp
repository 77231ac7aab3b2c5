#include "head_scanner.hpp"

#include "ascii.hpp"
#include "byte_words.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <limits>
#include <string_view>

namespace weft::http::detail {

enum class HeadScanner::Fault : std::uint8_t {
  none,
  bare_cr,
  bare_lf,
  method_char,
  target_char,
  extra_space,
  missing_version,
  version_syntax,
  version_unsupported,
  request_line_too_long,
  obs_fold,
  name_char,
  space_before_colon,
  no_colon,
  value_char,
  headers_too_large,
  too_many_headers,
  after_end,
};

namespace {

struct FaultInfo {
  int status;
  const char* reason;
};

// Indexed by HeadScanner::Fault.
constexpr FaultInfo kFaults[] = {
    {0, ""},
    {400, "bare CR not followed by LF"},
    {400, "bare LF without CR"},
    {400, "invalid character in method"},
    {400, "invalid character in request target"},
    {400, "extra whitespace in request line"},
    {400, "request line without HTTP version"},
    {400, "malformed HTTP version"},
    {505, "HTTP version not supported"},
    {414, "request line too long"},
    {400, "obsolete line folding or whitespace before a header name"},
    {400, "invalid character in header name"},
    {400, "whitespace before header colon"},
    {400, "header line without colon"},
    {400, "control character in header value"},
    {431, "header section too large"},
    {431, "too many header fields"},
    {400, "parser disagreement: bytes after the end of the header section"},
};

constexpr bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }

// Byte classes as tables, for skip_plain's tight loops (tchar's is ascii.hpp's kTchar).
using ByteClass = std::array<bool, 256>;
template <class Predicate>
constexpr ByteClass make_class(Predicate predicate) {
  ByteClass table{};
  for (unsigned c = 0; c < 256; ++c) table[c] = predicate(static_cast<unsigned char>(c));
  return table;
}
constexpr ByteClass kTargetChar = make_class(is_vchar);
constexpr ByteClass kValueChar = make_class(is_field_value_char);

// Eight bytes at a time for the long runs (targets, field values): a word passes when
// all its bytes are in the class; from the first one that does not, the class table
// finds the byte. Target bytes: 0x21-0x7e. Field value bytes: HTAB, 0x20-0x7e and
// 0x80-0xff (an HTAB takes its word to the table).
constexpr bool words_of_target(std::uint64_t word) noexcept {
  return (bytes_below(word, 0x21) | bytes_from_del(word)) == 0;
}
constexpr bool words_of_value(std::uint64_t word) noexcept { return (bytes_below(word, 0x20) | bytes_del(word)) == 0; }

template <bool (*InClass)(std::uint64_t)>
const unsigned char* skip_class(const unsigned char* p, const unsigned char* end, const ByteClass& table) noexcept {
  while (end - p >= 8 && InClass(load_word(p))) p += 8;
  while (p != end && table[*p]) ++p;
  return p;
}

}  // namespace

void HeadScanner::start_message() noexcept {
  state_ = State::lead;
  started_ = false;
  version_len_ = 0;
  line_bytes_ = 0;
  field_bytes_ = 0;
  fields_ = 0;
  scanned_ = 0;
}

void HeadScanner::start_trailers() noexcept { state_ = State::field_start; }

HeadScanner::Verdict HeadScanner::refuse(std::size_t accepted, Fault fault) noexcept {
  static_assert(std::size(kFaults) == static_cast<std::size_t>(Fault::after_end) + 1);
  const auto& info = kFaults[static_cast<std::size_t>(fault)];
  return {accepted, Outcome::error, info.status, info.reason};
}

HeadScanner::Verdict HeadScanner::scan(const char* data, std::size_t size) noexcept {
  if (at_message_start()) {
    if (const std::size_t head = scan_whole_head(data, size)) return {head, Outcome::done};
  }
  for (std::size_t i = 0; i < size; ++i) {
    i += skip_plain(data + i, size - i);
    // state_ alone first: read together with version_len_ just after step() stored
    // it, the wider load waits for the store (a store-forwarding stall on every byte
    // step() takes, measured at ~5 % of a pipelined request's CPU).
    if (state_ == State::version) i += skip_version(data + i, size - i);
    if (i == size) break;
    cursor_ = scanned_ + i;
    const Fault fault = step(static_cast<unsigned char>(data[i]));
    if (fault != Fault::none) {
      state_ = State::failed;
      return refuse(i, fault);
    }
    if (state_ == State::done) return {i + 1, Outcome::done};
  }
  scanned_ += size;
  return {size, Outcome::more};
}

// The fast path of a whole head: called at the message's first byte, it takes a head
// that is all there, valid, without empty lines before it, within the limits and with
// at most Layout::kMaxFields fields, in loops over byte classes instead of step()'s
// per-delimiter dispatch. It then leaves the scanner exactly as scanning that head byte
// by byte would (done, the counters, the layout) and returns the head's size. For
// anything else it returns 0 having changed nothing but layout_ entries that the scan
// which follows overwrites: the general scan then finds what is wrong, or waits for more.
// The golden cases, head_scanner_test and the fuzz target's whole-vs-bytewise oracle
// hold the two to the same outcome. Exempt from the function size budget as a parser state machine.
std::size_t HeadScanner::scan_whole_head(const char* data, std::size_t size) noexcept {
  const auto* const begin = reinterpret_cast<const unsigned char*>(data);
  const auto* const end = begin + std::min<std::size_t>(size, std::numeric_limits<std::uint32_t>::max());
  const unsigned char* p = begin;
  const auto offset = [begin](const unsigned char* at) { return static_cast<std::uint32_t>(at - begin); };
  const auto skip = [&p, end](const ByteClass& plain) {
    while (p != end && plain[*p]) ++p;
  };
  const auto has = [&p, end](std::string_view text) {
    return static_cast<std::size_t>(end - p) >= text.size() && std::memcmp(p, text.data(), text.size()) == 0;
  };

  // request-line: method SP origin-or-other-target SP "HTTP/1." ('0' | '1') CRLF
  skip(kTchar);
  if (p == begin || !has(" ")) return 0;
  layout_.method_begin = 0;
  layout_.method_end = offset(p++);
  const unsigned char* const target = p;
  p = skip_class<words_of_target>(p, end, kTargetChar);
  if (p == target || !has(" ")) return 0;
  layout_.target_begin = offset(target);
  layout_.target_end = offset(p++);
  if (!has("HTTP/1.") || static_cast<std::size_t>(end - p) < 10) return 0;
  const char minor = static_cast<char>(p[7]);
  if ((minor != '0' && minor != '1') || p[8] != '\r' || p[9] != '\n') return 0;
  const std::size_t line_bytes = offset(p) + 8;  // the CRLF is not counted
  if (line_bytes > limits_.max_request_line) return 0;
  p += 10;

  // field-line = field-name ":" field-value CRLF, until the empty line
  const unsigned char* const fields_begin = p;
  std::size_t fields = 0;
  while (!has("\r")) {
    if (fields == Layout::kMaxFields) return 0;
    const unsigned char* const name = p;
    skip(kTchar);
    if (p == name || !has(":")) return 0;
    Layout::Field& field = layout_.fields[fields++];
    field.name_begin = offset(name);
    field.name_end = offset(p++);
    field.value_begin = offset(p);
    p = skip_class<words_of_value>(p, end, kValueChar);
    if (!has("\r\n")) return 0;
    field.value_end = offset(p);
    p += 2;
  }
  const auto field_bytes = static_cast<std::size_t>(p - fields_begin);  // CRLFs counted
  if (!has("\r\n") || field_bytes > limits_.max_header_bytes || fields > limits_.max_headers) return 0;
  p += 2;

  state_ = State::done;
  started_ = true;
  version_len_ = 8;
  version_[0] = '1';
  version_[1] = minor;
  line_bytes_ = line_bytes;
  field_bytes_ = field_bytes;
  fields_ = fields;
  return offset(p);
}

// The fast path: inside a method, target, field name or field value, a run of ordinary
// bytes changes no state and only counts towards a limit. Stops before the first byte
// that step() must see: a delimiter, a refused byte, or the one that breaks the limit.
std::size_t HeadScanner::skip_plain(const char* data, std::size_t size) noexcept {
  const ByteClass* plain = nullptr;
  std::size_t* counter = nullptr;
  std::size_t limit = 0;
  switch (state_) {
    case State::method:
      plain = &kTchar, counter = &line_bytes_, limit = limits_.max_request_line;
      break;
    case State::target:
      plain = &kTargetChar, counter = &line_bytes_, limit = limits_.max_request_line;
      break;
    case State::name:
      plain = &kTchar, counter = &field_bytes_, limit = limits_.max_header_bytes;
      break;
    case State::value:
      plain = &kValueChar, counter = &field_bytes_, limit = limits_.max_header_bytes;
      break;
    default:
      return 0;
  }
  const std::size_t room = limit > *counter ? limit - *counter : 0;
  const std::size_t end = size < room ? size : room;
  std::size_t n = 0;
  while (n < end && (*plain)[static_cast<unsigned char>(data[n])]) ++n;
  *counter += n;
  return n;
}

// The other fast path: a whole "HTTP/1.1" or "HTTP/1.0" and its CR at once, as
// step_version would take them byte by byte (the CR is not counted). Anything else,
// or a version split across reads, goes through step_version. In State::version only.
std::size_t HeadScanner::skip_version(const char* data, std::size_t size) noexcept {
  constexpr std::string_view kVersion = "HTTP/1.";
  if (version_len_ != 0 || size < kVersion.size() + 2) return 0;
  if (std::string_view(data, kVersion.size()) != kVersion) return 0;
  const char minor = data[kVersion.size()];
  if ((minor != '0' && minor != '1') || data[kVersion.size() + 1] != '\r') return 0;
  if (line_bytes_ + kVersion.size() + 1 > limits_.max_request_line) return 0;
  line_bytes_ += kVersion.size() + 1;
  version_[0] = '1';
  version_[1] = minor;
  version_len_ = kVersion.size() + 1;
  state_ = State::request_lf;
  return kVersion.size() + 2;
}

HeadScanner::Fault HeadScanner::step(unsigned char c) noexcept {
  switch (state_) {
    case State::lead:
    case State::lead_lf:
    case State::method:
    case State::target_start:
    case State::target:
    case State::version:
    case State::request_lf:
      return step_request_line(c);
    case State::field_start:
    case State::name:
    case State::value:
    case State::field_lf:
      return step_field_line(c);
    case State::end_lf:
      if (c != '\n') return Fault::bare_cr;
      state_ = State::done;
      return Fault::none;
    case State::done:
    case State::failed:
      break;
  }
  return Fault::after_end;
}

// A state machine over RFC 9112 §3: request-line = method SP request-target SP
// HTTP-version CRLF, after optional empty lines (§2.2). Exempt from the function size
// budget as a parser state machine.
HeadScanner::Fault HeadScanner::step_request_line(unsigned char c) noexcept {
  if (state_ == State::request_lf) {
    if (c != '\n') return Fault::bare_cr;
    state_ = State::field_start;
    return Fault::none;
  }
  if (state_ == State::version && c == '\r') return step_version(c);  // CR is not counted
  if (++line_bytes_ > limits_.max_request_line) return Fault::request_line_too_long;
  switch (state_) {
    case State::lead:
      if (c == '\r') {
        state_ = State::lead_lf;
        return Fault::none;
      }
      if (c == '\n') return Fault::bare_lf;
      started_ = true;
      if (!is_tchar(c)) return Fault::method_char;
      state_ = State::method;
      layout_.method_begin = here();
      return Fault::none;
    case State::lead_lf:
      if (c != '\n') return Fault::bare_cr;
      state_ = State::lead;
      return Fault::none;
    case State::method:
      if (c == ' ') {
        state_ = State::target_start;
        layout_.method_end = here();
        return Fault::none;
      }
      return is_tchar(c) ? Fault::none : Fault::method_char;
    case State::target_start:
      if (c == ' ' || c == '\t') return Fault::extra_space;
      if (!is_vchar(c)) return Fault::target_char;
      state_ = State::target;
      layout_.target_begin = here();
      return Fault::none;
    case State::target:
      if (c == ' ') {
        state_ = State::version;
        version_len_ = 0;
        layout_.target_end = here();
        return Fault::none;
      }
      if (c == '\r') return Fault::missing_version;
      if (c == '\n') return Fault::bare_lf;
      return is_vchar(c) ? Fault::none : Fault::target_char;
    default:
      return step_version(c);
  }
}

// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3); only 1.0 and
// 1.1 are served. A well-formed other version is 505, anything else 400.
HeadScanner::Fault HeadScanner::step_version(unsigned char c) noexcept {
  static constexpr char kPattern[] = "HTTP/#.#";  // '#' is a digit
  if (c == '\r') {
    if (version_len_ != sizeof kPattern - 1) return Fault::version_syntax;
    const bool supported = version_[0] == '1' && (version_[1] == '0' || version_[1] == '1');
    if (!supported) return Fault::version_unsupported;
    state_ = State::request_lf;
    return Fault::none;
  }
  if (c == ' ' || c == '\t') return Fault::extra_space;
  if (c == '\n') return Fault::bare_lf;
  if (version_len_ >= sizeof kPattern - 1) return Fault::version_syntax;
  const char expected = kPattern[version_len_];
  if (expected == '#') {
    if (!is_digit(c)) return Fault::version_syntax;
    version_[version_len_ == 5 ? 0 : 1] = static_cast<char>(c);
  } else if (c != static_cast<unsigned char>(expected)) {
    return Fault::version_syntax;
  }
  ++version_len_;
  return Fault::none;
}

// field-line = field-name ":" OWS field-value OWS CRLF (RFC 9112 §5), without obs-fold
// (§5.2: a server may reject it with 400, which weft does) and without whitespace
// between the name and the colon (§5.1: MUST be rejected with 400). Exempt from the
// function size budget as a parser state machine.
HeadScanner::Fault HeadScanner::step_field_line(unsigned char c) noexcept {
  if (state_ == State::field_start && c == '\r') {  // the empty line: not counted
    state_ = State::end_lf;
    return Fault::none;
  }
  if (++field_bytes_ > limits_.max_header_bytes) return Fault::headers_too_large;
  switch (state_) {
    case State::field_start:
      if (c == '\n') return Fault::bare_lf;
      if (is_ows(static_cast<char>(c))) return Fault::obs_fold;
      if (!is_tchar(c)) return Fault::name_char;
      if (++fields_ > limits_.max_headers) return Fault::too_many_headers;
      state_ = State::name;
      if (auto* field = field_in_layout()) field->name_begin = here();
      return Fault::none;
    case State::name:
      if (c == ':') {
        state_ = State::value;
        if (auto* field = field_in_layout()) field->name_end = here(), field->value_begin = here() + 1;
        return Fault::none;
      }
      if (is_tchar(c)) return Fault::none;
      if (is_ows(static_cast<char>(c))) return Fault::space_before_colon;
      if (c == '\r') return Fault::no_colon;
      if (c == '\n') return Fault::bare_lf;
      return Fault::name_char;
    case State::value:
      if (c == '\r') {
        state_ = State::field_lf;
        if (auto* field = field_in_layout()) field->value_end = here();
        return Fault::none;
      }
      if (c == '\n') return Fault::bare_lf;
      return is_field_value_char(c) ? Fault::none : Fault::value_char;
    default:  // field_lf
      if (c != '\n') return Fault::bare_cr;
      state_ = State::field_start;
      return Fault::none;
  }
}

}  // namespace weft::http::detail
