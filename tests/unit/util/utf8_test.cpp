#include <catch2/catch.hpp>

#include "sijill/util/utf8.h"

using sijill::is_valid_utf8;
using sijill::to_valid_utf8;

TEST_CASE("well-formed UTF-8 is valid and left as it is") {
  for (const char* s : {"", "SubmitScore", "Drâa-Tafilalet", "جمعية تامونت", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}) {
    CHECK(is_valid_utf8(s));
    CHECK(to_valid_utf8(s) == s);
  }
}

TEST_CASE("ill-formed UTF-8 is refused, and each bad byte becomes U+FFFD") {
  // A stray continuation byte (the fuzz target's first finding: a percent-decoded command name).
  CHECK_FALSE(is_valid_utf8("WithdrawAp\x97lication"));
  CHECK(to_valid_utf8("WithdrawAp\x97lication") == "WithdrawAp\xEF\xBF\xBDlication");
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong, three bytes
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
  CHECK_FALSE(is_valid_utf8("\xFF"));
  CHECK_FALSE(is_valid_utf8("a\xC3"));  // truncated
  CHECK(to_valid_utf8("a\xC3") == "a\xEF\xBF\xBD");
  CHECK(to_valid_utf8("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(is_valid_utf8(to_valid_utf8("\xED\xA0\x80 \xC0\xAF \xFF")));
}
