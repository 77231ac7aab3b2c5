#include <weft/conf/document.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <tuple>

namespace weft::conf {
namespace {

std::string_view type_name(toml::node_type type) noexcept {
  switch (type) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

std::string expected(std::string_view what, const toml::node& got) {
  return "expected " + std::string(what) + ", got " + std::string(type_name(got.type()));
}

std::uint32_t line_of_node(const toml::node& node) noexcept { return node.source().begin.line; }

/// Levenshtein distance, for "did you mean" suggestions on short keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// Parses "<digits><unit>" into milliseconds; nullopt on bad syntax, -1 on overflow.
std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  const auto digits_end = std::find_if(text.begin(), text.end(),
                                       [](char c) { return c < '0' || c > '9'; });
  const std::string_view digits(text.begin(), digits_end);
  const std::string_view unit(digits_end, text.end());
  std::int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  if (digits.empty() || scale == 0) return std::nullopt;
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return -1;
  if (count > std::numeric_limits<std::int64_t>::max() / scale) return -1;
  return count * scale;
}

/// One key no read() asked for, with where it is.
struct Unknown {
  std::uint32_t line;
  std::uint32_t column;
  std::string key;
  bool is_table;
};

}  // namespace

struct Document::Impl {
  toml::table root;
  std::string source;
  std::set<std::string, std::less<>> asked;

  ConfigError error(std::uint32_t line, std::string_view key, std::string message) const {
    return ConfigError(source, line, std::string(key), std::move(message));
  }

  /// The node at `key`, or nullptr. With `strict`, a non-table on the way (`a = 1` when
  /// asked for `a.b`) is an error; otherwise it just means absent.
  const toml::node* find(std::string_view key, bool strict) const {
    const toml::table* table = &root;
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = key.find('.', start);
      const std::string_view part = key.substr(start, dot - start);
      const toml::node* node = table->get(part);
      if (node == nullptr || dot == std::string_view::npos) return node;
      table = node->as_table();
      if (table == nullptr) {
        if (!strict) return nullptr;
        throw error(line_of_node(*node), key.substr(0, dot), expected("a table", *node));
      }
      start = dot + 1;
    }
  }

  /// Records `key` as known and returns its node (nullptr when absent).
  const toml::node* lookup(std::string_view key) {
    asked.emplace(key);
    return find(key, true);
  }

  template <class U>
  void read_unsigned(std::string_view key, U& out) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return;
    const auto* integer = node->as_integer();
    constexpr auto max = std::numeric_limits<U>::max();
    const std::string range =
        max >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
            ? "a non-negative integer"
            : "an integer in 0.." + std::to_string(max);
    if (integer == nullptr) throw error(line_of_node(*node), key, expected(range, *node));
    const std::int64_t value = integer->get();
    if (value < 0 || static_cast<std::uint64_t>(value) > max) {
      throw error(line_of_node(*node), key,
                  "expected " + range + ", got " + std::to_string(value));
    }
    out = static_cast<U>(value);
  }

  /// A duration value in milliseconds, or nullopt when `key` is absent.
  std::optional<std::int64_t> read_duration_ms(std::string_view key) {
    const toml::node* node = lookup(key);
    if (node == nullptr) return std::nullopt;
    const std::uint32_t line = line_of_node(*node);
    if (const auto* integer = node->as_integer()) {
      const std::int64_t seconds = integer->get();
      if (seconds < 0 || seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
        throw error(line, key, "expected a non-negative number of seconds, got " +
                                   std::to_string(seconds));
      }
      return seconds * 1000;
    }
    if (const auto* string = node->as_string()) {
      const std::string& text = string->get();
      const auto ms = parse_duration_ms(text);
      if (!ms) {
        throw error(line, key, "expected a duration like \"250ms\", \"30s\", \"5m\" or \"1h\", "
                               "got \"" + text + "\"");
      }
      if (*ms < 0) throw error(line, key, "duration \"" + text + "\" is too large");
      return *ms;
    }
    throw error(line, key, expected("a duration (integer seconds or a string like \"30s\")", *node));
  }

  void collect_unknown(const toml::table& table, const std::string& prefix,
                       std::vector<Unknown>& out) const;
  bool asked_under(std::string_view prefix) const;
  std::string suggestion(std::string_view key) const;
};

bool Document::Impl::asked_under(std::string_view prefix) const {
  const std::string start = std::string(prefix) + ".";
  const auto it = asked.lower_bound(start);
  return it != asked.end() && it->starts_with(start);
}

void Document::Impl::collect_unknown(const toml::table& table, const std::string& prefix,
                                     std::vector<Unknown>& out) const {
  for (auto&& [name, node] : table) {
    const std::string key = prefix.empty() ? std::string(name.str())
                                           : prefix + "." + std::string(name.str());
    if (asked.contains(key)) continue;
    const toml::table* sub = node.as_table();
    if (sub != nullptr && asked_under(key)) {
      collect_unknown(*sub, key, out);
      continue;
    }
    // The key's own position; implicit tables (`[a.b]` makes `a`) may have none.
    toml::source_position at = name.source().begin;
    if (!at) at = node.source().begin;
    if (!at && sub != nullptr) {
      std::vector<Unknown> inner;
      collect_unknown(*sub, key, inner);
      for (const Unknown& u : inner) {
        if (!at || std::tie(u.line, u.column) < std::tie(at.line, at.column)) {
          at = {u.line, u.column};
        }
      }
    }
    out.push_back({at.line, at.column, key, sub != nullptr});
  }
}

std::string Document::Impl::suggestion(std::string_view key) const {
  std::string best;
  std::size_t best_distance = 3;  // suggest only near misses
  for (const std::string& known : asked) {
    // Every dotted prefix of a known key is a known table name.
    for (std::size_t end = known.find('.'); ; end = known.find('.', end + 1)) {
      const std::string_view candidate = std::string_view(known).substr(0, end);
      const std::size_t distance = edit_distance(key, candidate);
      if (distance > 0 && distance < best_distance && distance < candidate.size()) {
        best_distance = distance;
        best = candidate;
      }
      if (end == std::string::npos) break;
    }
  }
  return best;
}

Document::Document(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Document Document::load(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError(name, 0, "", "cannot read file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    throw ConfigError(name, 0, "",
                      "cannot read file: " + std::generic_category().message(error));
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw ConfigError(name, 0, "", "cannot read file: read error");
  return parse(text, name);
}

Document Document::parse(std::string_view text, std::string source_name) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->root = toml::parse(text, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw ConfigError(std::move(source_name), at.line, "",
                      "syntax error at column " + std::to_string(at.column) + ": " +
                          std::string(e.description()));
  }
  impl->source = std::move(source_name);
  return Document(std::move(impl));
}

const std::string& Document::source_name() const noexcept { return impl_->source; }

bool Document::contains(std::string_view dotted_key) const {
  return impl_->find(dotted_key, false) != nullptr;
}

std::uint32_t Document::line_of(std::string_view dotted_key) const {
  const toml::node* node = impl_->find(dotted_key, false);
  return node == nullptr ? 0 : line_of_node(*node);
}

void Document::read(std::string_view dotted_key, std::string& out) {
  const toml::node* node = impl_->lookup(dotted_key);
  if (node == nullptr) return;
  const auto* value = node->as_string();
  if (value == nullptr) {
    throw impl_->error(line_of_node(*node), dotted_key, expected("a string", *node));
  }
  out = value->get();
}

void Document::read(std::string_view dotted_key, bool& out) {
  const toml::node* node = impl_->lookup(dotted_key);
  if (node == nullptr) return;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    throw impl_->error(line_of_node(*node), dotted_key, expected("a boolean", *node));
  }
  out = value->get();
}

void Document::read(std::string_view dotted_key, std::int64_t& out) {
  const toml::node* node = impl_->lookup(dotted_key);
  if (node == nullptr) return;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    throw impl_->error(line_of_node(*node), dotted_key, expected("an integer", *node));
  }
  out = value->get();
}

void Document::read(std::string_view dotted_key, unsigned& out) {
  impl_->read_unsigned(dotted_key, out);
}

void Document::read(std::string_view dotted_key, std::size_t& out) {
  impl_->read_unsigned(dotted_key, out);
}

void Document::read(std::string_view dotted_key, std::uint16_t& out) {
  impl_->read_unsigned(dotted_key, out);
}

void Document::read(std::string_view dotted_key, double& out) {
  const toml::node* node = impl_->lookup(dotted_key);
  if (node == nullptr) return;
  if (const auto* value = node->as_floating_point()) {
    out = value->get();
  } else if (const auto* integer = node->as_integer()) {
    out = static_cast<double>(integer->get());
  } else {
    throw impl_->error(line_of_node(*node), dotted_key, expected("a number", *node));
  }
}

void Document::read(std::string_view dotted_key, std::chrono::milliseconds& out) {
  if (const auto ms = impl_->read_duration_ms(dotted_key)) out = std::chrono::milliseconds(*ms);
}

void Document::read(std::string_view dotted_key, std::chrono::seconds& out) {
  const auto ms = impl_->read_duration_ms(dotted_key);
  if (!ms) return;
  if (*ms % 1000 != 0) {
    throw impl_->error(line_of(dotted_key), dotted_key,
                       "expected a whole number of seconds, got " + std::to_string(*ms) + "ms");
  }
  out = std::chrono::seconds(*ms / 1000);
}

void Document::read(std::string_view dotted_key, std::vector<std::string>& out) {
  const toml::node* node = impl_->lookup(dotted_key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    throw impl_->error(line_of_node(*node), dotted_key, expected("an array of strings", *node));
  }
  std::vector<std::string> values;
  values.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const auto* value = element.as_string();
    if (value == nullptr) {
      throw impl_->error(line_of_node(element), dotted_key,
                         "element " + std::to_string(i) + ": " + expected("a string", element));
    }
    values.push_back(value->get());
  }
  out = std::move(values);
}

void Document::reject_unknown_keys() const {
  std::vector<Unknown> unknown;
  impl_->collect_unknown(impl_->root, "", unknown);
  if (unknown.empty()) return;
  const auto first = std::min_element(unknown.begin(), unknown.end(), [](auto& a, auto& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::string message = first->is_table ? "unknown table" : "unknown key";
  if (const std::string near = impl_->suggestion(first->key); !near.empty()) {
    message += " (did you mean '" + near + "'?)";
  }
  throw impl_->error(first->line, first->key, std::move(message));
}

ConfigError Document::error_at(std::string_view dotted_key, std::string message) const {
  return impl_->error(line_of(dotted_key), dotted_key, std::move(message));
}

}  // namespace weft::conf
