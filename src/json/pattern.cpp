#include "pattern.h"

#include <unicode/uset.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <boost/regex.hpp>
#include <boost/regex/pending/unicode_iterator.hpp>
#include <cstdio>
#include <exception>
#include <memory>

namespace sijill::json::detail {

static_assert(sizeof(wchar_t) == 4, "patterns are matched over UTF-32 held in wchar_t");

struct Pattern::Impl {
  boost::wregex regex;
};

namespace {

std::wstring utf32_of(std::string_view utf8) {
  using Decoder = boost::u8_to_u32_iterator<std::string_view::const_iterator, wchar_t>;
  return std::wstring(Decoder(utf8.begin(), utf8.begin(), utf8.end()), Decoder(utf8.end(), utf8.begin(), utf8.end()));
}

std::string hex_escape(UChar32 c) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\x{%X}", static_cast<unsigned>(c));
  return buffer;
}

// The code points of the Unicode property `name` (as in \p{name}: "L", "Letter", "Script=Arabic",
// "sc=Tfng", "White_Space"...), looked up in ICU, written as the inside of a character class.
std::optional<std::string> property_ranges(std::string_view name, bool negated, std::string* error) {
  bool plain = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '=';
  });
  if (!plain) {
    *error = "\\p{" + std::string(name) + "}: not a Unicode property name";
    return std::nullopt;
  }
  std::string set_pattern = std::string(negated ? "[\\P{" : "[\\p{") + std::string(name) + "}]";
  std::u16string text(set_pattern.size(), u'\0');
  u_charsToUChars(set_pattern.data(), text.data(), static_cast<int32_t>(set_pattern.size()));
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<USet, decltype(&uset_close)> set(
      uset_openPattern(text.data(), static_cast<int32_t>(text.size()), &status), &uset_close);
  if (U_FAILURE(status)) {
    *error = "\\p{" + std::string(name) + "}: unknown Unicode property";
    return std::nullopt;
  }
  std::string out;
  for (int32_t i = 0, n = uset_getRangeCount(set.get()); i < n; ++i) {
    UChar32 first = 0, last = 0;
    status = U_ZERO_ERROR;
    uset_getItem(set.get(), i, &first, &last, nullptr, 0, &status);
    out += hex_escape(first);
    if (last != first) out += "-" + hex_escape(last);
  }
  return out;
}

// The value of the 4 hexadecimal digits at `at` in `source`, or -1.
long hex4(std::string_view source, std::size_t at) {
  if (at + 4 > source.size()) return -1;
  long value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    char c = source[i];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

// Rewrites the ECMA-262 escapes Boost.Regex does not know into ones it does: \p{...} and \P{...}
// become character classes of code points (from ICU); \uXXXX (a surrogate pair \uD83D\uDE00 being
// one code point, as in ECMA-262's Unicode mode) and \u{X} become \x{X}. The rest is copied.
std::optional<std::string> translate(std::string_view source, std::string* error) {
  std::string out;
  bool in_class = false;
  for (std::size_t i = 0; i < source.size(); ++i) {
    char c = source[i];
    if (c == '\\' && i + 1 < source.size()) {
      char next = source[i + 1];
      bool braced = i + 2 < source.size() && source[i + 2] == '{';
      if ((next == 'p' || next == 'P' || next == 'u') && braced) {
        std::size_t close = source.find('}', i + 3);
        if (close == std::string_view::npos) {
          *error = std::string("unterminated \\") + next + "{";
          return std::nullopt;
        }
        std::string_view inside = source.substr(i + 3, close - i - 3);
        if (next == 'u') {
          out += "\\x{" + std::string(inside) + "}";
        } else {
          auto ranges = property_ranges(inside, next == 'P', error);
          if (!ranges) return std::nullopt;
          out += in_class ? *ranges : "[" + *ranges + "]";
        }
        i = close;
        continue;
      }
      if (long unit = next == 'u' ? hex4(source, i + 2) : -1; unit >= 0) {
        i += 5;
        long code_point = unit;
        if (unit >= 0xD800 && unit <= 0xDBFF && i + 2 < source.size() && source[i + 1] == '\\' &&
            source[i + 2] == 'u') {
          long low = hex4(source, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            code_point = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        out += hex_escape(static_cast<UChar32>(code_point));
        continue;
      }
      out += c;
      out += next;
      ++i;
      continue;
    }
    if (c == '[' && !in_class) {
      in_class = true;
    } else if (c == ']' && in_class) {
      in_class = false;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::optional<Pattern> Pattern::compile(std::string_view source, std::string* error) {
  try {
    auto translated = translate(source, error);
    if (!translated) return std::nullopt;
    auto impl = std::make_shared<Impl>();
    impl->regex.assign(utf32_of(*translated),
                       boost::regex::ECMAScript | boost::regex::no_mod_m | boost::regex::no_mod_s);
    Pattern pattern;
    pattern.impl_ = std::move(impl);
    pattern.source_ = std::string(source);
    return pattern;
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
}

std::optional<bool> Pattern::search(std::string_view subject) const {
  try {
    return boost::regex_search(utf32_of(subject), impl_->regex);
  } catch (const std::exception&) {
    return std::nullopt;  // Boost.Regex's complexity or memory bound
  }
}

}  // namespace sijill::json::detail
