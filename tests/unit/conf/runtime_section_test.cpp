#include <weft/conf/runtime_section.hpp>

#include <gtest/gtest.h>

namespace weft::conf {
namespace {

/// Reads `text`'s [runtime] section into default options and returns them.
RuntimeOptions read(std::string_view text) {
  auto doc = Document::parse(text, "conf/test.toml");
  RuntimeOptions options;
  read_runtime(doc, options);
  doc.reject_unknown_keys();
  return options;
}

/// The ConfigError read_runtime throws for `text`.
ConfigError error_for(std::string_view text) {
  auto doc = Document::parse(text, "conf/test.toml");
  RuntimeOptions options;
  try {
    read_runtime(doc, options);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError for: " << text;
  return ConfigError("", 0, "", "");
}

TEST(RuntimeSection, ReadsEveryKey) {
  const auto options = read(
      "[runtime]\ncores = 4\nbackend = \"epoll\"\noffload_threads = 8\npin_threads = false\n");
  EXPECT_EQ(options.cores, 4u);
  EXPECT_EQ(options.backend, Backend::epoll);
  EXPECT_EQ(options.offload_threads, 8u);
  EXPECT_FALSE(options.pin_threads);
}

TEST(RuntimeSection, KeepsDefaultsForAbsentKeysAndAbsentSection) {
  const RuntimeOptions defaults;
  for (std::string_view text : {"", "[runtime]\n", "[runtime]\ncores = 2\n"}) {
    const auto options = read(text);
    EXPECT_EQ(options.backend, defaults.backend);
    EXPECT_EQ(options.offload_threads, defaults.offload_threads);
    EXPECT_EQ(options.pin_threads, defaults.pin_threads);
  }
  EXPECT_EQ(read("").cores, defaults.cores);
}

TEST(RuntimeSection, AcceptsEveryBackendName) {
  EXPECT_EQ(read("runtime.backend = \"automatic\"\n").backend, Backend::automatic);
  EXPECT_EQ(read("runtime.backend = \"io_uring\"\n").backend, Backend::io_uring);
  EXPECT_EQ(read("runtime.backend = \"epoll\"\n").backend, Backend::epoll);
}

TEST(RuntimeSection, AnUnknownBackendNamesKeyLineAndTheValidValues) {
  const auto e = error_for("[runtime]\ncores = 1\nbackend = \"kqueue\"\n");
  EXPECT_EQ(e.file(), "conf/test.toml");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.key(), "runtime.backend");
  EXPECT_EQ(e.message(), "expected one of \"automatic\", \"io_uring\", \"epoll\", got \"kqueue\"");
}

TEST(RuntimeSection, ABackendOfTheWrongTypeNamesKeyAndLine) {
  const auto e = error_for("[runtime]\nbackend = 1\n");
  EXPECT_EQ(e.file(), "conf/test.toml");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.key(), "runtime.backend");
  EXPECT_EQ(e.message(), "expected a string, got an integer");
}

TEST(RuntimeSection, NegativeCoresNamesKeyAndLine) {
  const auto e = error_for("[runtime]\n\ncores = -2\n");
  EXPECT_EQ(e.file(), "conf/test.toml");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.key(), "runtime.cores");
  EXPECT_EQ(e.message(), "expected an integer in 0..4294967295, got -2");
}

TEST(RuntimeSection, WrongTypesForCountsAndPinningNameKeyAndLine) {
  const auto threads = error_for("[runtime]\noffload_threads = \"4\"\n");
  EXPECT_EQ(threads.line(), 2u);
  EXPECT_EQ(threads.key(), "runtime.offload_threads");
  const auto pin = error_for("[runtime]\npin_threads = \"yes\"\n");
  EXPECT_EQ(pin.line(), 2u);
  EXPECT_EQ(pin.key(), "runtime.pin_threads");
  EXPECT_EQ(pin.message(), "expected a boolean, got a string");
}

TEST(RuntimeSection, MarksItsKeysKnownButNotMisspeltOnes) {
  auto doc = Document::parse("[runtime]\ncores = 1\ncore = 2\n", "conf/test.toml");
  RuntimeOptions options;
  read_runtime(doc, options);
  try {
    doc.reject_unknown_keys();
    ADD_FAILURE() << "expected a ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.key(), "runtime.core");
  }
}

}  // namespace
}  // namespace weft::conf
