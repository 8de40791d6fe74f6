#include "scan.h"

namespace sijill::time::detail {

std::string quote(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string q = "\"";
  q += text.substr(0, kMax);
  if (text.size() > kMax) q += "...";
  q += "\"";
  return q;
}

std::optional<int> Scanner::digits(int width) {
  if (text_.size() - pos_ < static_cast<std::size_t>(width)) return std::nullopt;
  int value = 0;
  for (int i = 0; i < width; ++i) {
    char c = text_[pos_ + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos_ += static_cast<std::size_t>(width);
  return value;
}

bool Scanner::literal(char c, char alt) {
  if (at_end()) return false;
  char got = text_[pos_];
  if (got != c && (alt == '\0' || got != alt)) return false;
  ++pos_;
  return true;
}

std::optional<std::chrono::milliseconds> Scanner::fraction() {
  // RFC 3339: time-secfrac = "." 1*DIGIT. Keep three digits, drop (truncate) the rest.
  int kept = 0, value = 0;
  std::size_t start = pos_;
  while (!at_end() && text_[pos_] >= '0' && text_[pos_] <= '9') {
    if (kept < 3) {
      value = value * 10 + (text_[pos_] - '0');
      ++kept;
    }
    ++pos_;
  }
  if (pos_ == start) return std::nullopt;
  for (; kept < 3; ++kept) value *= 10;
  return std::chrono::milliseconds{value};
}

Result<date::local_time<std::chrono::milliseconds>> to_local(const Fields& f) {
  using namespace std::chrono;
  auto bad = [](const std::string& why) { return Status::invalid_argument(why); };
  if (f.month < 1 || f.month > 12) return bad("month " + std::to_string(f.month) + " does not exist");
  date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                           date::day{static_cast<unsigned>(f.day)}};
  if (!ymd.ok()) {
    return bad("day " + std::to_string(f.day) + " does not exist in " + date::format("%Y-%m", ymd));
  }
  if (f.hour > 23) return bad("hour " + std::to_string(f.hour) + " does not exist (00 to 23)");
  if (f.minute > 59) return bad("minute " + std::to_string(f.minute) + " does not exist (00 to 59)");
  if (f.second == 60) return bad("a leap second (:60) cannot be represented; write :59.999");
  if (f.second > 59) return bad("second " + std::to_string(f.second) + " does not exist (00 to 59)");
  return date::local_days{ymd} + hours{f.hour} + minutes{f.minute} + seconds{f.second} + f.millis;
}

bool writable(std::chrono::sys_time<std::chrono::milliseconds> t) {
  using namespace date::literals;
  return t >= date::sys_days{0_y / 1 / 1} && t < date::sys_days{10000_y / 1 / 1};
}

std::optional<Offset> offset(Scanner& s) {
  if (s.literal('Z', 'z')) return Offset{};
  int sign = 0;
  if (s.literal('+')) {
    sign = 1;
  } else if (s.literal('-')) {
    sign = -1;
  } else {
    return std::nullopt;
  }
  auto hh = s.digits(2);
  if (!hh || !s.literal(':')) return std::nullopt;
  auto mm = s.digits(2);
  if (!mm || *hh > 23 || *mm > 59) return std::nullopt;
  Offset o;
  o.value = std::chrono::minutes{sign * (*hh * 60 + *mm)};
  o.unknown = sign < 0 && o.value.count() == 0;
  return o;
}

}  // namespace sijill::time::detail
