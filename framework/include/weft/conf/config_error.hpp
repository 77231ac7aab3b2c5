// The one exception weft::conf throws: a configuration problem that names where it is.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace weft::conf {

/// A rejected configuration: unreadable file, TOML syntax error, wrong type, out-of-range
/// or unknown value, or an unknown key. what() reads like a compiler diagnostic:
///
///     conf/echo.toml:7: key 'server.listen': expected a string, got an integer
///
/// The `:line` part is left out when the line is unknown (0) and the `key '…': ` part when
/// the problem is not about one key (an unreadable file, a syntax error).
class ConfigError : public std::runtime_error {
 public:
  /// `file` is the source name (a path, or what Document::parse was given); `line` is
  /// 1-based, 0 if unknown; `key` is dotted (`server.listen`), empty if not about a key;
  /// `message` is the bare reason, without location.
  ConfigError(std::string file, std::uint32_t line, std::string key, std::string message)
      : std::runtime_error(format(file, line, key, message)),
        file_(std::move(file)),
        line_(line),
        key_(std::move(key)),
        message_(std::move(message)) {}

  /// The file (or source name) the problem is in.
  const std::string& file() const noexcept { return file_; }
  /// 1-based line of the offending value, or 0 if unknown.
  std::uint32_t line() const noexcept { return line_; }
  /// The dotted key the problem is about; empty if none.
  const std::string& key() const noexcept { return key_; }
  /// The reason alone, without file, line or key.
  const std::string& message() const noexcept { return message_; }

 private:
  static std::string format(const std::string& file, std::uint32_t line, const std::string& key,
                            const std::string& message) {
    std::string text = file;
    if (line != 0) text += ":" + std::to_string(line);
    text += ": ";
    if (!key.empty()) text += "key '" + key + "': ";
    return text + message;
  }

  std::string file_;
  std::uint32_t line_;
  std::string key_;
  std::string message_;
};

}  // namespace weft::conf
