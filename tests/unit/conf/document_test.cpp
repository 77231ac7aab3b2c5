#include <weft/conf/document.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <unistd.h>

namespace weft::conf {
namespace {

using namespace std::chrono_literals;

/// Runs `body`, which must throw ConfigError, and returns the error.
ConfigError error_from(const std::function<void()>& body) {
  try {
    body();
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a ConfigError";
  return {"", 0, "", ""};
}

/// Asserts where an error points and what it says.
void expect_error(const ConfigError& e, std::string_view file, std::uint32_t line,
                  std::string_view key, std::string_view message) {
  EXPECT_EQ(e.file(), file);
  EXPECT_EQ(e.line(), line);
  EXPECT_EQ(e.key(), key);
  EXPECT_EQ(e.message(), message);
}

constexpr std::string_view kValid = R"(
title = "echo"
verbose = true
offset = -42
ratio = 0.5

[server]
listen = "127.0.0.1:7000"
port = 7000
backlog = 1024
workers = 3
hosts = ["a", "b"]
idle = "30s"
grace = 5
)";

TEST(ConfigError, WhatReadsLikeACompilerDiagnostic) {
  const ConfigError e("conf/echo.toml", 7, "server.listen", "expected a string, got an integer");
  EXPECT_STREQ(e.what(), "conf/echo.toml:7: key 'server.listen': expected a string, got an integer");
}

TEST(ConfigError, WhatLeavesOutAnUnknownLineAndAnEmptyKey) {
  EXPECT_STREQ(ConfigError("a.toml", 0, "", "cannot read file").what(), "a.toml: cannot read file");
  EXPECT_STREQ(ConfigError("a.toml", 3, "", "bad").what(), "a.toml:3: bad");
  EXPECT_STREQ(ConfigError("a.toml", 0, "k", "bad").what(), "a.toml: key 'k': bad");
}

TEST(Document, ReadsEveryTypeFromAValidDocument) {
  auto doc = Document::parse(kValid, "test.toml");
  std::string title, listen;
  bool verbose = false;
  std::int64_t offset = 0;
  double ratio = 0;
  std::uint16_t port = 0;
  std::size_t backlog = 0;
  unsigned workers = 0;
  std::vector<std::string> hosts;
  std::chrono::milliseconds idle{};
  std::chrono::seconds grace{};
  doc.read("title", title);
  doc.read("verbose", verbose);
  doc.read("offset", offset);
  doc.read("ratio", ratio);
  doc.read("server.listen", listen);
  doc.read("server.port", port);
  doc.read("server.backlog", backlog);
  doc.read("server.workers", workers);
  doc.read("server.hosts", hosts);
  doc.read("server.idle", idle);
  doc.read("server.grace", grace);
  EXPECT_EQ(title, "echo");
  EXPECT_TRUE(verbose);
  EXPECT_EQ(offset, -42);
  EXPECT_DOUBLE_EQ(ratio, 0.5);
  EXPECT_EQ(listen, "127.0.0.1:7000");
  EXPECT_EQ(port, 7000);
  EXPECT_EQ(backlog, 1024u);
  EXPECT_EQ(workers, 3u);
  EXPECT_EQ(hosts, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(idle, 30s);
  EXPECT_EQ(grace, 5s);
  EXPECT_NO_THROW(doc.reject_unknown_keys());
}

TEST(Document, LeavesTheOutputUntouchedWhenTheKeyIsAbsentAfterAMove) {
  auto moved = Document::parse("[server]\nport = 1\n", "test.toml");
  Document doc = std::move(moved);
  std::string listen = "default";
  unsigned cores = 9;
  std::chrono::milliseconds idle = 7ms;
  std::uint16_t port = 0;
  doc.read("server.port", port);
  EXPECT_EQ(port, 1);
  doc.read("server.listen", listen);
  doc.read("runtime.cores", cores);
  doc.read("idle", idle);
  EXPECT_EQ(listen, "default");
  EXPECT_EQ(cores, 9u);
  EXPECT_EQ(idle, 7ms);
}

TEST(Document, WrongTypeNamesFileLineAndKey) {
  auto doc = Document::parse("[server]\n\nlisten = 7000\n", "conf/echo.toml");
  std::string listen;
  const auto e = error_from([&] { doc.read("server.listen", listen); });
  expect_error(e, "conf/echo.toml", 3, "server.listen", "expected a string, got an integer");
  EXPECT_STREQ(e.what(), "conf/echo.toml:3: key 'server.listen': expected a string, got an integer");
}

TEST(Document, WrongTypeErrorsNameTheTypeFound) {
  auto doc = Document::parse("a = \"x\"\nb = 1.5\nc = [1]\nd = {x = 1}\ne = 2024-01-01\n", "t.toml");
  bool flag = false;
  std::int64_t number = 0;
  double real = 0;
  std::string text;
  expect_error(error_from([&] { doc.read("a", flag); }), "t.toml", 1, "a",
               "expected a boolean, got a string");
  expect_error(error_from([&] { doc.read("b", number); }), "t.toml", 2, "b",
               "expected an integer, got a float");
  expect_error(error_from([&] { doc.read("c", text); }), "t.toml", 3, "c",
               "expected a string, got an array");
  expect_error(error_from([&] { doc.read("d", flag); }), "t.toml", 4, "d",
               "expected a boolean, got a table");
  expect_error(error_from([&] { doc.read("e", real); }), "t.toml", 5, "e",
               "expected a number, got a date");
}

TEST(Document, AValueWhereATableIsNeededNamesThatValue) {
  auto doc = Document::parse("server = \"x\"\n", "t.toml");
  std::string listen;
  expect_error(error_from([&] { doc.read("server.listen", listen); }), "t.toml", 1, "server",
               "expected a table, got a string");
}

TEST(Document, UnsignedReadsRejectNegativeAndTooBigValues) {
  auto doc = Document::parse("neg = -1\nbig = 70000\nhuge = 4294967296\nmax = 65535\n", "t.toml");
  std::uint16_t port = 0;
  unsigned count = 0;
  std::size_t size = 0;
  expect_error(error_from([&] { doc.read("neg", port); }), "t.toml", 1, "neg",
               "expected an integer in 0..65535, got -1");
  expect_error(error_from([&] { doc.read("big", port); }), "t.toml", 2, "big",
               "expected an integer in 0..65535, got 70000");
  expect_error(error_from([&] { doc.read("huge", count); }), "t.toml", 3, "huge",
               "expected an integer in 0..4294967295, got 4294967296");
  expect_error(error_from([&] { doc.read("neg", size); }), "t.toml", 1, "neg",
               "expected a non-negative integer, got -1");
  doc.read("max", port);
  doc.read("huge", size);
  EXPECT_EQ(port, 65535);
  EXPECT_EQ(size, 4294967296u);
}

TEST(Document, UnsignedReadsRejectNonIntegersAndDoubleAcceptsAnInteger) {
  auto doc = Document::parse("cores = \"4\"\nratio = 2\n", "t.toml");
  unsigned cores = 0;
  expect_error(error_from([&] { doc.read("cores", cores); }), "t.toml", 1, "cores",
               "expected an integer in 0..4294967295, got a string");
  double ratio = 0;
  doc.read("ratio", ratio);
  EXPECT_DOUBLE_EQ(ratio, 2.0);
}

TEST(Document, DurationsAcceptIntegerSecondsAndUnitSuffixes) {
  auto doc = Document::parse(
      "a = 3\nb = \"250ms\"\nc = \"30s\"\nd = \"5m\"\ne = \"1h\"\nf = \"0ms\"\n", "t.toml");
  std::chrono::milliseconds ms{};
  doc.read("a", ms);
  EXPECT_EQ(ms, 3s);
  doc.read("b", ms);
  EXPECT_EQ(ms, 250ms);
  doc.read("c", ms);
  EXPECT_EQ(ms, 30s);
  doc.read("d", ms);
  EXPECT_EQ(ms, 5min);
  doc.read("e", ms);
  EXPECT_EQ(ms, 1h);
  doc.read("f", ms);
  EXPECT_EQ(ms, 0ms);
  std::chrono::seconds s{};
  doc.read("d", s);
  EXPECT_EQ(s, 300s);
  doc.read("a", s);
  EXPECT_EQ(s, 3s);
}

TEST(Document, DurationsRejectMalformedStrings) {
  auto doc = Document::parse(
      "a = \"30\"\nb = \"30sec\"\nc = \"-5s\"\nd = \"s\"\ne = \" 5s\"\nf = \"1.5s\"\n", "t.toml");
  std::chrono::milliseconds ms = 1ms;
  const auto check = [&](const char* key, std::uint32_t line, const char* text) {
    expect_error(error_from([&] { doc.read(key, ms); }), "t.toml", line, key,
                 std::string("expected a duration like \"250ms\", \"30s\", \"5m\" or \"1h\", got \"") +
                     text + "\"");
  };
  check("a", 1, "30");
  check("b", 2, "30sec");
  check("c", 3, "-5s");
  check("d", 4, "s");
  check("e", 5, " 5s");
  check("f", 6, "1.5s");
  EXPECT_EQ(ms, 1ms);
}

TEST(Document, DurationsRejectWrongTypesNegativeAndOverflow) {
  auto doc = Document::parse("a = 1.5\nb = -3\nc = \"99999999999999999999h\"\nd = \"9999999999999999h\"\n",
                             "t.toml");
  std::chrono::milliseconds ms{};
  expect_error(error_from([&] { doc.read("a", ms); }), "t.toml", 1, "a",
               "expected a duration (integer seconds or a string like \"30s\"), got a float");
  expect_error(error_from([&] { doc.read("b", ms); }), "t.toml", 2, "b",
               "expected a non-negative number of seconds, got -3");
  expect_error(error_from([&] { doc.read("c", ms); }), "t.toml", 3, "c",
               "duration \"99999999999999999999h\" is too large");
  expect_error(error_from([&] { doc.read("d", ms); }), "t.toml", 4, "d",
               "duration \"9999999999999999h\" is too large");
}

TEST(Document, SecondsRejectAFractionOfASecond) {
  auto doc = Document::parse("\ngrace = \"1500ms\"\nok = \"2000ms\"\n", "t.toml");
  std::chrono::seconds s{};
  expect_error(error_from([&] { doc.read("grace", s); }), "t.toml", 2, "grace",
               "expected a whole number of seconds, got 1500ms");
  doc.read("ok", s);
  EXPECT_EQ(s, 2s);
}

TEST(Document, StringListNamesTheLineOfABadElement) {
  auto doc = Document::parse("hosts = [\n  \"a\",\n  7,\n]\nname = \"x\"\n", "t.toml");
  std::vector<std::string> hosts{"keep"};
  expect_error(error_from([&] { doc.read("hosts", hosts); }), "t.toml", 3, "hosts",
               "element 1: expected a string, got an integer");
  EXPECT_EQ(hosts, std::vector<std::string>{"keep"});
  expect_error(error_from([&] { doc.read("name", hosts); }), "t.toml", 5, "name",
               "expected an array of strings, got a string");
}

TEST(Document, ContainsFindsValuesAndTablesWithoutCountingAsARead) {
  auto doc = Document::parse("[server]\nport = 1\n", "t.toml");
  EXPECT_TRUE(doc.contains("server"));
  EXPECT_TRUE(doc.contains("server.port"));
  EXPECT_FALSE(doc.contains("server.listen"));
  EXPECT_FALSE(doc.contains("server.port.x"));
  EXPECT_FALSE(doc.contains("runtime"));
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 1, "server",
               "unknown table");
}

TEST(Document, LineOfAndErrorAtPointAtTheValuesLine) {
  auto doc = Document::parse("\n[server]\nport = 0\n", "conf/x.toml");
  EXPECT_EQ(doc.line_of("server.port"), 3u);
  EXPECT_EQ(doc.line_of("server.listen"), 0u);
  expect_error(doc.error_at("server.port", "must not be 0"), "conf/x.toml", 3, "server.port",
               "must not be 0");
}

TEST(Document, RejectUnknownKeysNamesTheFirstUnreadKeyInFileOrder) {
  auto doc = Document::parse("[server]\nport = 1\nzeta = 2\nalpha = 3\n", "t.toml");
  unsigned port = 0;
  doc.read("server.port", port);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 3, "server.zeta",
               "unknown key");
}

TEST(Document, RejectUnknownKeysAcceptsKeysThatWereAskedForButAbsent) {
  auto doc = Document::parse("[server]\nport = 1\n", "t.toml");
  unsigned port = 0, backlog = 5;
  doc.read("server.port", port);
  doc.read("server.backlog", backlog);
  doc.read("runtime.cores", port);
  EXPECT_NO_THROW(doc.reject_unknown_keys());
}

TEST(Document, RejectUnknownKeysReportsAnUnreadTableAtItsHeader) {
  auto doc = Document::parse("[server]\nport = 1\n\n[logging]\nlevel = \"info\"\n", "t.toml");
  unsigned port = 0;
  doc.read("server.port", port);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 4, "logging",
               "unknown table");
}

TEST(Document, RejectUnknownKeysReportsAnEmptyUnreadTable) {
  auto doc = Document::parse("a = 1\n[extra]\n", "t.toml");
  std::int64_t a = 0;
  doc.read("a", a);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 2, "extra",
               "unknown table");
}

TEST(Document, RejectUnknownKeysSuggestsANearKnownKey) {
  auto doc = Document::parse("[server]\nlisen = \"x\"\n[runtme]\ncores = 1\n", "t.toml");
  std::string listen;
  unsigned cores = 0;
  doc.read("server.listen", listen);
  doc.read("runtime.cores", cores);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 2, "server.lisen",
               "unknown key (did you mean 'server.listen'?)");
  std::string lisen;
  doc.read("server.lisen", lisen);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 3, "runtme",
               "unknown table (did you mean 'runtime'?)");
}

TEST(Document, RejectUnknownKeysLooksInsideInlineAndDottedTables) {
  auto doc = Document::parse("server = { port = 1, extra = 2 }\ntls.cert = \"c\"\ntls.kee = \"k\"\n",
                             "t.toml");
  unsigned port = 0;
  std::string cert;
  doc.read("server.port", port);
  doc.read("tls.cert", cert);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 1, "server.extra",
               "unknown key");
  unsigned extra = 0;
  doc.read("server.extra", extra);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 3, "tls.kee",
               "unknown key");
}

TEST(Document, RejectUnknownKeysReportsAnUnreadArrayOfTables) {
  auto doc = Document::parse("a = 1\n\n[[backend]]\nurl = \"x\"\n", "t.toml");
  std::int64_t a = 0;
  doc.read("a", a);
  expect_error(error_from([&] { doc.reject_unknown_keys(); }), "t.toml", 3, "backend",
               "unknown key");
}

TEST(Document, ASyntaxErrorNamesFileLineAndDescription) {
  const auto e = error_from([] { Document::parse("a = 1\n[server\nport = 1\n", "conf/bad.toml"); });
  EXPECT_EQ(e.file(), "conf/bad.toml");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.key(), "");
  EXPECT_TRUE(e.message().starts_with("syntax error at column ")) << e.message();
  EXPECT_GT(e.message().size(), std::string_view("syntax error at column 8: ").size());
  EXPECT_TRUE(std::string_view(e.what()).starts_with("conf/bad.toml:2: syntax error")) << e.what();
}

TEST(Document, ADuplicateKeyIsASyntaxErrorOnItsLine) {
  EXPECT_EQ(error_from([] { Document::parse("a = 1\nb = 2\na = 3\n", "t.toml"); }).line(), 3u);
}

class DocumentFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("weft_document_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& name, std::string_view text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(DocumentFile, LoadReadsAFileAndNamesItInErrors) {
  const auto path = write("echo.toml", "[server]\nport = \"x\"\n");
  auto doc = Document::load(path);
  EXPECT_EQ(doc.source_name(), path.string());
  std::uint16_t port = 0;
  expect_error(error_from([&] { doc.read("server.port", port); }), path.string(), 2, "server.port",
               "expected an integer in 0..65535, got a string");
}

TEST_F(DocumentFile, AMissingFileOrADirectoryIsAnErrorNamingIt) {
  const auto path = dir_ / "missing.toml";
  const auto e = error_from([&] { Document::load(path); });
  expect_error(e, path.string(), 0, "", "cannot read file: No such file or directory");
  EXPECT_EQ(std::string(e.what()), path.string() + ": cannot read file: No such file or directory");
  expect_error(error_from([&] { Document::load(dir_); }), dir_.string(), 0, "",
               "cannot read file: it is a directory");
}

TEST_F(DocumentFile, ASyntaxErrorInAFileNamesTheFile) {
  const auto path = write("bad.toml", "a = 1\nb = \n");
  const auto e = error_from([&] { Document::load(path); });
  EXPECT_EQ(e.file(), path.string());
  EXPECT_EQ(e.line(), 2u);
}

}  // namespace
}  // namespace weft::conf
