// Internal: a strict reader for the fixed-width fields of dates, times and offsets.
//
// date::parse is lenient where the register must be strict (it reads "2026-7-2", and its %Ez
// does not read "Z"), and its failure says only "failed". This reader accepts exactly the
// grammar each caller describes and says which field is wrong; calendar checks and arithmetic
// stay with the date library.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

#include "sijill/util/status.h"

namespace sijill::time::detail {

// The text, quoted and shortened for an error message.
std::string quote(std::string_view text);

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ == text_.size(); }
  std::size_t pos() const { return pos_; }
  // The next character, or '\0' at the end.
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  // Exactly `width` decimal digits; nullopt (nothing consumed) otherwise.
  std::optional<int> digits(int width);
  // The character `c` (or, when given, `alt`); false (nothing consumed) otherwise.
  bool literal(char c, char alt = '\0');
  // After a '.', one or more digits: the milliseconds they give, the rest truncated.
  std::optional<std::chrono::milliseconds> fraction();

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// The fields of a wall-clock date and time, checked against the calendar.
struct Fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::chrono::milliseconds millis{0};
};

// The local (zone-less) time the fields name, or invalid_argument whose message says which
// field is out of range (month 13, 31 June, hour 24, second 60).
Result<date::local_time<std::chrono::milliseconds>> to_local(const Fields& f);

// True when `t` falls in the years 0000 to 9999, the range RFC 3339 can write.
bool writable(std::chrono::sys_time<std::chrono::milliseconds> t);

// An offset "Z"/"z" (zero) or "+HH:MM"/"-HH:MM" at the scanner's position. `unknown` is set
// for "-00:00", RFC 3339's "UTC, local offset unknown". nullopt when there is none there or
// it is malformed (hours above 23, minutes above 59).
struct Offset {
  std::chrono::minutes value{0};
  bool unknown = false;
};
std::optional<Offset> offset(Scanner& s);

}  // namespace sijill::time::detail
