// A parsed TOML configuration file, read into option structs with typed reads.
//
// Usage: load the file, let every area read its own section into its options struct
// (reads only assign when the key is present, so the struct's defaults stay otherwise),
// then call reject_unknown_keys() so a misspelt key is an error instead of a silently
// ignored setting. Every error is a ConfigError naming the file, the line and the key.
//
//     auto doc = weft::conf::Document::load("conf/echo.toml");
//     weft::conf::read_runtime(doc, runtime_options);
//     doc.read("server.listen", listen);
//     doc.reject_unknown_keys();
//
// Keys are dotted paths of bare TOML keys (`server.tls.cert`); quoted keys that contain
// a dot cannot be addressed. toml++ stays hidden behind the pimpl.
#pragma once

#include <weft/conf/config_error.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::conf {

class Document {
 public:
  /// Reads and parses the TOML file at `path`; its name in errors is `path` as given.
  /// Throws ConfigError naming the file when it cannot be read, and the file and line
  /// (with toml++'s description) on a syntax error.
  static Document load(const std::filesystem::path& path);

  /// Parses TOML `text`; `source_name` stands for the file name in errors (tests).
  /// Throws ConfigError on a syntax error.
  static Document parse(std::string_view text, std::string source_name);

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  /// The file name errors carry.
  const std::string& source_name() const noexcept;

  /// True when `dotted_key` names a value or table in the document. Does not count as a
  /// read for reject_unknown_keys().
  bool contains(std::string_view dotted_key) const;

  /// 1-based line of `dotted_key`'s value, or 0 when the key is absent.
  std::uint32_t line_of(std::string_view dotted_key) const;

  /// Typed reads. Each one records `dotted_key` as known (for reject_unknown_keys()),
  /// assigns `out` only when the key is present, and throws ConfigError with file, line
  /// and key when the value has the wrong type or is out of range for `out`.
  void read(std::string_view dotted_key, std::string& out);
  void read(std::string_view dotted_key, bool& out);
  void read(std::string_view dotted_key, std::int64_t& out);
  /// Integers in 0..UINT_MAX.
  void read(std::string_view dotted_key, unsigned& out);
  /// Non-negative integers.
  void read(std::string_view dotted_key, std::size_t& out);
  /// Integers in 0..65535 (ports).
  void read(std::string_view dotted_key, std::uint16_t& out);
  /// A float or an integer.
  void read(std::string_view dotted_key, double& out);
  /// A non-negative integer number of seconds, or a string "<n><unit>" with unit
  /// ms, s, m or h ("250ms", "30s", "5m", "1h").
  void read(std::string_view dotted_key, std::chrono::milliseconds& out);
  /// As for milliseconds; a string must be a whole number of seconds ("1500ms" is not).
  void read(std::string_view dotted_key, std::chrono::seconds& out);
  /// An array whose elements are all strings.
  void read(std::string_view dotted_key, std::vector<std::string>& out);

  /// Throws ConfigError naming the first key, in file order, that no read() asked for,
  /// with its line. A table counts as known when some read() asked for a key inside it,
  /// so sections the program reads from are fine; an empty table nobody reads from is
  /// reported. The message suggests a close known key when there is one.
  void reject_unknown_keys() const;

  /// A ConfigError about `dotted_key` carrying this document's file name and the key's
  /// line: for checks the caller makes after reading (a value out of a valid set).
  ConfigError error_at(std::string_view dotted_key, std::string message) const;

 private:
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weft::conf
