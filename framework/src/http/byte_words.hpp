// Byte-class tests on eight bytes at once, for the HTTP area's long scans (request
// targets and field values in HeadScanner, response field values before they are
// written). Each says whether a word holds a byte of some kind, exactly, but not which
// byte: a borrow can mark the byte above a marked one, so the caller finds the byte
// itself, one at a time, from the first word that fails.
#pragma once

#include <cstdint>
#include <cstring>

namespace weft::http::detail {

inline constexpr std::uint64_t kByteOnes = 0x0101010101010101;
inline constexpr std::uint64_t kByteHighBits = 0x8080808080808080;

/// The eight bytes at `at`, in memory order (no alignment needed).
inline std::uint64_t load_word(const void* at) noexcept {
  std::uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

/// Nonzero when a byte is below `n` (n <= 0x80); bytes of 0x80 and up never count.
constexpr std::uint64_t bytes_below(std::uint64_t word, std::uint8_t n) noexcept {
  return (word - kByteOnes * n) & ~word & kByteHighBits;
}

/// Nonzero when a byte is 0x7f (DEL) or above.
constexpr std::uint64_t bytes_from_del(std::uint64_t word) noexcept {
  return (((word & ~kByteHighBits) + kByteOnes) | word) & kByteHighBits;
}

/// Nonzero when a byte is 0x7f (DEL).
constexpr std::uint64_t bytes_del(std::uint64_t word) noexcept { return bytes_below(word ^ (kByteOnes * 0x7f), 1); }

}  // namespace weft::http::detail
