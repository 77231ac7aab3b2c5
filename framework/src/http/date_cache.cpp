#include "date_cache.hpp"

#include <ctime>

namespace weft::http::detail {
namespace {

constexpr std::size_t kPrefix = 6;  // "Date: "
constexpr std::size_t kDate = 29;   // "Sun, 06 Nov 1994 08:49:37 GMT"

struct DateCache {
  std::time_t second = -1;
  char line[kPrefix + kDate + 2] = {'D', 'a', 't', 'e', ':', ' '};
};

thread_local DateCache t_date;

void two_digits(char* at, int value) noexcept {
  at[0] = static_cast<char>('0' + value / 10 % 10);
  at[1] = static_cast<char>('0' + value % 10);
}

// Formatted by hand: strftime's names follow the process locale, the field's do not.
void format(char* out, const std::tm& utc) noexcept {
  static constexpr char kDays[] = "SunMonTueWedThuFriSat";
  static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const char* day = kDays + 3 * utc.tm_wday;
  const char* month = kMonths + 3 * utc.tm_mon;
  const int year = utc.tm_year + 1900;
  char* p = out;
  *p++ = day[0], *p++ = day[1], *p++ = day[2], *p++ = ',', *p++ = ' ';
  two_digits(p, utc.tm_mday), p += 2, *p++ = ' ';
  *p++ = month[0], *p++ = month[1], *p++ = month[2], *p++ = ' ';
  two_digits(p, year / 100), two_digits(p + 2, year % 100), p += 4, *p++ = ' ';
  two_digits(p, utc.tm_hour), p += 2, *p++ = ':';
  two_digits(p, utc.tm_min), p += 2, *p++ = ':';
  two_digits(p, utc.tm_sec), p += 2;
  *p++ = ' ', *p++ = 'G', *p++ = 'M', *p++ = 'T';
}

}  // namespace

std::string_view date_field_now() noexcept {
  const std::time_t now = std::time(nullptr);
  if (now != t_date.second) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    format(t_date.line + kPrefix, utc);
    t_date.line[kPrefix + kDate] = '\r';
    t_date.line[kPrefix + kDate + 1] = '\n';
    t_date.second = now;
  }
  return {t_date.line, sizeof t_date.line};
}

}  // namespace weft::http::detail
