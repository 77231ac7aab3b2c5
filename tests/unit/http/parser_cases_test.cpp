// The golden cases: every file in tests/unit/http/cases (format in its README.md) is
// parsed whole, split into two reads at every byte offset, and fed one byte at a time;
// all three must give the file's expected trace. One test per file, named after it.
#include "http/parser.hpp"

#include "parser_trace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#ifndef WEFT_HTTP_CASES_DIR
#error "WEFT_HTTP_CASES_DIR must name tests/unit/http/cases (set by tests/CMakeLists.txt)"
#endif

namespace weft::http {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string title;
  std::string reason;
  Limits limits;
  std::string input;   // the raw bytes, escapes decoded
  std::string expect;  // the trace, one '\n' after each line
};

// Decodes \r \n \t \\ \0 and \xHH; everything else is taken literally.
std::string decode_escapes(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char code = text[++i];
    switch (code) {
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case 'x':
        if (i + 2 >= text.size()) throw std::runtime_error("\\x needs two hex digits");
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
        break;
      default: throw std::runtime_error(std::string("unknown escape \\") + code);
    }
  }
  return out;
}

void apply_limit(Limits& limits, std::string_view setting) {
  const auto eq = setting.find('=');
  if (eq == std::string_view::npos) throw std::runtime_error("limit without '=': " + std::string(setting));
  const auto name = setting.substr(0, eq);
  const std::size_t value = std::stoull(std::string(setting.substr(eq + 1)));
  if (name == "max_request_line") limits.max_request_line = value;
  else if (name == "max_header_bytes") limits.max_header_bytes = value;
  else if (name == "max_headers") limits.max_headers = value;
  else if (name == "max_body") limits.max_body = value;
  else throw std::runtime_error("unknown limit: " + std::string(name));
}

Case load_case(const fs::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  Case c;
  std::string line;
  std::getline(file, c.title);
  std::getline(file, line);
  if (!line.starts_with("Reason: ")) throw std::runtime_error("line 2 must start with 'Reason: '");
  c.reason = line.substr(8);
  enum { header, input, expect } section = header;
  while (std::getline(file, line)) {
    if (line == "--- input") section = input;
    else if (line == "--- expect") section = expect;
    else if (section == input) c.input += decode_escapes(line);
    else if (section == expect) c.expect += line + "\n";
    else if (line.starts_with("Limits: ")) {
      std::istringstream settings(line.substr(8));
      for (std::string setting; settings >> setting;) apply_limit(c.limits, setting);
    } else if (!line.empty()) {
      throw std::runtime_error("unexpected line before '--- input': " + line);
    }
  }
  while (c.expect.ends_with("\n\n")) c.expect.pop_back();
  if (section != expect || c.expect.empty()) throw std::runtime_error("no '--- expect' trace");
  return c;
}

std::vector<fs::path> case_files() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(WEFT_HTTP_CASES_DIR)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string test_name(const ::testing::TestParamInfo<fs::path>& info) {
  std::string name = info.param.stem().string();
  for (auto& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class ParserCase : public ::testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override { c_ = load_case(GetParam()); }
  std::string context() const { return c_.title + "\n(" + c_.reason + ")\ninput: " + golden::escape(c_.input); }
  Case c_;
};

TEST_P(ParserCase, WholeInputGivesTheExpectedTrace) {
  EXPECT_EQ(golden::run_trace({c_.input}, c_.limits), c_.expect) << context();
}

TEST_P(ParserCase, EverySplitIntoTwoReadsGivesTheSameTrace) {
  const std::string_view input = c_.input;
  for (std::size_t at = 0; at <= input.size(); ++at) {
    const auto trace = golden::run_trace({input.substr(0, at), input.substr(at)}, c_.limits);
    ASSERT_EQ(trace, c_.expect) << context() << "\nsplit at byte " << at;
  }
}

TEST_P(ParserCase, OneByteAtATimeGivesTheSameTrace) {
  const std::string_view input = c_.input;
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  EXPECT_EQ(golden::run_trace(bytes, c_.limits), c_.expect) << context();
}

INSTANTIATE_TEST_SUITE_P(Cases, ParserCase, ::testing::ValuesIn(case_files()), test_name);

TEST(ParserCases, DirectoryHoldsAtLeastFortyCases) { EXPECT_GE(case_files().size(), 40u); }

}  // namespace
}  // namespace weft::http
