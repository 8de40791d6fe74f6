// parse(): what it accepts, what it refuses, and how it says where.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "sijill/json/dom.h"
#include "sijill/json/parse.h"
#include "sijill/json/pointer.h"

namespace json = sijill::json;
using sijill::Code;

namespace {

// The single violation of a refused body, as "path: message".
std::string only_violation(const sijill::Status& status) {
  REQUIRE(status.violations().size() == 1);
  return status.violations()[0].path + ": " + status.violations()[0].message;
}

sijill::Status parse_status(std::string_view body, const json::Limits& limits = {}) {
  return json::parse(body, limits).status();
}

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_objects(std::size_t depth) {
  std::string out;
  for (std::size_t i = 0; i < depth; ++i) out += "{\"a\":";
  out += "1";
  out += std::string(depth, '}');
  return out;
}

}  // namespace

TEST_CASE("a good document is parsed and its values can be read") {
  std::string body = R"({"call": "AMI-2026", "region": "Souss-Massa", "scores": {"pertinence": 27, "impact": 18.5},
                         "tags": ["agr", "omi"], "eligible": true, "note": null, "big": 18446744073709551615,
                         "name": "\u0627\u0644\u0645\u063a\u0631\u0628 caf\u00e9"})";
  auto document = json::parse(body);
  REQUIRE(document.status().to_string() == "ok");
  CHECK(document->body_bytes() == body.size());

  simdjson::dom::element root = document->root();
  CHECK(json::type_name(root) == "object");
  CHECK(root["region"].get_string().value() == "Souss-Massa");
  CHECK(root["scores"]["pertinence"].get_int64().value() == 27);
  CHECK(root["scores"]["impact"].get_double().value() == 18.5);
  CHECK(root["big"].get_uint64().value() == 18446744073709551615ULL);
  CHECK(root["name"].get_string().value() == "\xD8\xA7\xD9\x84\xD9\x85\xD8\xBA\xD8\xB1\xD8\xA8 caf\xC3\xA9");
  CHECK(root["tags"].get_array().value().size() == 2);
}

TEST_CASE("the document owns its values: the body may be freed, and moves keep elements valid") {
  std::string body = R"({"region": "Oriental", "list": [1, 2, 3]})";
  auto document = json::parse(body);
  REQUIRE(document);
  body.assign(body.size(), 'x');  // the parser must not point into the body
  json::ParsedDocument moved = std::move(document).value();
  simdjson::dom::element root = moved.root();
  json::ParsedDocument again = std::move(moved);
  CHECK(root["region"].get_string().value() == "Oriental");
  CHECK(again.root()["list"].at(2).get_int64().value() == 3);
}

TEST_CASE("any JSON value may be the root") {
  for (std::string_view body : {"0", "-1.5e3", "\"text\"", "true", "null", "[]", "{}", "  \n 7 \t "}) {
    INFO(body);
    CHECK(json::parse(body).is_ok());
  }
}

TEST_CASE("malformed JSON is refused with the byte offset, line and column of the fault") {
  struct Case {
    std::string_view body;
    std::string_view expected;
  };
  const Case cases[] = {
      {R"({"a": 1,})", "unexpected character '}' at byte 8 (line 1, column 9)"},
      {R"({'a': 1})", "unexpected character ''' at byte 1 (line 1, column 2)"},
      {R"({"a" 1})", "unexpected character '1' at byte 5 (line 1, column 6)"},
      {R"({"a": tru})", "unexpected character 't' at byte 6 (line 1, column 7)"},
      {R"(["a\x"])", "invalid escape sequence '\\x' at byte 4 (line 1, column 5)"},
      {"{\n  \"a\": 1\n  \"b\": 2\n}", "unexpected character '\"' at byte 13 (line 3, column 3)"},
      {"[1, 2] [3]", "unexpected data after the JSON value at byte 7 (line 1, column 8)"},
      {"[NaN]", "unexpected character 'N' at byte 1 (line 1, column 2)"},
      {"// comment\n1", "unexpected character '/' at byte 0 (line 1, column 1)"},
      {"hello", "unexpected character 'h' at byte 0 (line 1, column 1)"},
      {"[01]", "unexpected character '1' at byte 2 (line 1, column 3)"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    auto status = parse_status(c.body);
    CHECK(status.code() == Code::invalid_argument);
    CHECK(only_violation(status) == ": " + std::string(c.expected));
    CHECK(status.message() == "the body is not valid JSON: " + std::string(c.expected));
  }
}

TEST_CASE("truncated JSON is refused at the byte where it ends") {
  std::string body = R"({"call": "AMI-2026", "scores": {"pertinence": 27, "impact": 1)";
  for (std::size_t cut : {std::size_t{1}, std::size_t{9}, std::size_t{14}, std::size_t{31}, body.size()}) {
    std::string_view truncated = std::string_view(body).substr(0, cut);
    INFO(truncated);
    auto status = parse_status(truncated);
    CHECK(status.code() == Code::invalid_argument);
    CHECK(only_violation(status) == ": unexpected end of input (the JSON is truncated) at byte " + std::to_string(cut) +
                                        " (line 1, column " + std::to_string(cut + 1) + ")");
  }
}

TEST_CASE("an empty body is refused as such") {
  for (std::string_view body : {"", "   ", "\n\t\r\n"}) {
    CHECK(only_violation(parse_status(body)) == ": the body is empty: expected a JSON value");
  }
}

TEST_CASE("numbers outside int64, uint64 and double are refused where they are") {
  CHECK(json::parse("[18446744073709551615, -9223372036854775808]").is_ok());
  CHECK(only_violation(parse_status("[1, 18446744073709551616]")) ==
        ": integer out of range (it must fit in 64 bits) at byte 4 (line 1, column 5)");
  CHECK(only_violation(parse_status("[-9223372036854775809]")) ==
        ": integer out of range (it must fit in 64 bits) at byte 1 (line 1, column 2)");
  CHECK(only_violation(parse_status("{\"x\": -1e400}")) ==
        ": number out of range (too large for a double) at byte 6 (line 1, column 7)");
}

TEST_CASE("nesting deeper than the limit is refused while parsing, even 10,000 levels deep") {
  CHECK(json::parse(nested_arrays(64)).is_ok());
  CHECK(json::parse(nested_objects(64)).is_ok());
  std::string zeros;
  for (int i = 0; i < 64; ++i) zeros += "/0";
  CHECK(only_violation(parse_status(nested_arrays(65))) == zeros + ": nesting deeper than 64 levels");
  CHECK(only_violation(parse_status(std::string(65, '[') + "1" + std::string(65, ']'))) ==
        ": nesting deeper than 64 levels at byte 64 (line 1, column 65)");

  // Deep enough to overflow the stack of any recursive parser.
  std::string unclosed_objects;
  for (int i = 0; i < 10'000; ++i) unclosed_objects += R"({"a":)";
  for (const std::string& body : {nested_arrays(10'000), nested_objects(10'000), std::string(10'000, '['),
                                  unclosed_objects, std::string(100'000, '[') + "{"}) {
    auto status = parse_status(body);
    CHECK(status.code() == Code::invalid_argument);
    CHECK(only_violation(status).find(": nesting deeper than 64 levels at byte ") == 0);
  }

  json::Limits shallow;
  shallow.max_depth = 2;
  CHECK(json::parse("[[1]]", shallow).is_ok());
  CHECK(json::parse(R"({"a": {}})", shallow).is_ok());
  // An empty array or object counts as a level too.
  CHECK(only_violation(parse_status("[[[]]]", shallow)) == "/0/0: nesting deeper than 2 levels");
  CHECK(only_violation(parse_status(R"({"a": [{}]})", shallow)) == "/a/0: nesting deeper than 2 levels");
  CHECK(only_violation(parse_status(R"({"a": [{"b": 1}]})", shallow)) ==
        ": nesting deeper than 2 levels at byte 7 (line 1, column 8)");
}

TEST_CASE("strings and keys longer than the limit are refused with their pointer") {
  const std::size_t limit = std::size_t{64} << 10;
  std::string at_limit = "{\"note\": \"" + std::string(limit, 'a') + "\"}";
  CHECK(json::parse(at_limit).is_ok());

  std::string too_long = "{\"list\": [\"ok\", \"" + std::string(limit + 1, 'a') + "\"]}";
  CHECK(only_violation(parse_status(too_long)) ==
        "/list/1: string is 65537 bytes long; at most 65536 bytes are allowed");

  // The limit is on the string's bytes once unescaped: 40,000 × "\u00e9" is 80,000 bytes of UTF-8.
  std::string escaped = "[\"";
  for (int i = 0; i < 40'000; ++i) escaped += "\\u00e9";
  escaped += "\"]";
  CHECK(only_violation(parse_status(escaped)) == "/0: string is 80000 bytes long; at most 65536 bytes are allowed");

  std::string long_key = "{\"" + std::string(limit + 5, 'k') + "\": 1}";
  auto status = parse_status(long_key);
  REQUIRE(status.violations().size() == 1);
  CHECK(status.violations()[0].message == "key is 65541 bytes long; at most 65536 bytes are allowed");
  CHECK(status.violations()[0].path.size() == limit + 6);
}

TEST_CASE("arrays and objects larger than the limits are refused with their pointer") {
  auto array_of = [](std::size_t n) {
    std::string out = "{\"items\": [";
    for (std::size_t i = 0; i < n; ++i) out += i ? ",0" : "0";
    return out + "]}";
  };
  CHECK(json::parse(array_of(10'000)).is_ok());
  CHECK(only_violation(parse_status(array_of(10'001))) ==
        "/items: array has 10001 elements; at most 10000 are allowed");

  auto object_of = [](std::size_t n) {
    std::string out = "[{";
    for (std::size_t i = 0; i < n; ++i) out += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    return out + "}]";
  };
  CHECK(json::parse(object_of(1'000)).is_ok());
  CHECK(only_violation(parse_status(object_of(1'001))) == "/0: object has 1001 members; at most 1000 are allowed");
}

TEST_CASE("invalid UTF-8 is refused, whatever the kind, at the offending byte") {
  struct Case {
    const char* what;
    std::string body;
    std::size_t offset;
  };
  const Case cases[] = {
      {"overlong encoding of '/'", "[\"a\xC0\xAF\"]", 3},
      {"overlong encoding of NUL", "[\"\xE0\x80\x80\"]", 2},
      {"UTF-16 surrogate encoded in UTF-8", "[\"\xED\xA0\x80\"]", 2},
      {"code point above U+10FFFF", "[\"\xF4\x90\x80\x80\"]", 2},
      {"lone continuation byte", "[\"ab\x80\"]", 4},
      {"sequence cut short", "[\"\xE2\x82\"]", 2},
      {"byte 0xFF", "[\"\xFF\"]", 2},
      {"byte 0xFE", "[\"\xFE\xFF\"]", 2},
      {"in a key", "{\"k\xC3\": 1}", 3},
      {"outside a string", "[1, \xC3]", 4},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto status = parse_status(c.body);
    CHECK(status.code() == Code::invalid_argument);
    CHECK(only_violation(status).find(": invalid UTF-8 at byte " + std::to_string(c.offset) + " ") == 0);
  }
  // Valid UTF-8 where JSON allows no such character is a syntax error, not an encoding one.
  CHECK(only_violation(parse_status("[1, \xC3\xA9]")) ==
        ": unexpected character outside a string at byte 4 (line 1, column 5)");
  // Well-formed multi-byte sequences are fine: 2, 3 and 4 bytes.
  CHECK(json::parse("[\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"]").is_ok());
}

TEST_CASE("a \\u escape that is half of a surrogate pair is refused") {
  CHECK(json::parse(R"(["\ud83d\ude00"])").is_ok());  // a pair: U+1F600
  for (std::string_view body : {R"(["\ud800"])", R"(["\udc00"])", R"(["\ud800\u0041"])", R"(["\ud800x"])"}) {
    INFO(body);
    auto status = parse_status(body);
    CHECK(status.code() == Code::invalid_argument);
    CHECK(only_violation(status).find("invalid \\u escape") != std::string::npos);
  }
  CHECK(only_violation(parse_status(R"(["\u12G4"])")).find("invalid \\u escape") != std::string::npos);
  CHECK(only_violation(parse_status("[\"a\tb\"]")) ==
        ": control character in a string (write it as a \\u escape) at byte 3 (line 1, column 4)");
}

TEST_CASE("a key repeated in an object is refused with the pointer of the duplicate") {
  CHECK(only_violation(parse_status(R"({"region": "Oriental", "region": "Draa-Tafilalet"})")) ==
        "/region: duplicate key: each key may appear only once in an object");

  // Nested, inside an array, with characters that JSON Pointer escapes.
  CHECK(only_violation(parse_status(R"({"a": {"list": [0, {"x~/y": 1, "z": 2, "x~/y": 3}]}})")) ==
        "/a/list/1/x~0~1y: duplicate key: each key may appear only once in an object");

  // Keys are compared after unescaping.
  CHECK(only_violation(parse_status(R"({"a": 1, "\u0061": 2})")) ==
        "/a: duplicate key: each key may appear only once in an object");

  // Reported once per key, every duplicated key of every object listed.
  auto status = parse_status(R"({"b": 1, "a": 1, "b": 2, "a": 2, "b": 3, "c": {"d": 1, "d": 1}})");
  REQUIRE(status.violations().size() == 3);
  CHECK(status.violations()[0].path == "/a");
  CHECK(status.violations()[1].path == "/b");
  CHECK(status.violations()[2].path == "/c/d");

  // The same key in different objects is fine.
  CHECK(json::parse(R"({"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]})").is_ok());
}

TEST_CASE("no more than max_violations offences are listed") {
  std::string body = "[";
  for (int i = 0; i < 500; ++i) body += std::string(i ? "," : "") + R"({"k": 1, "k": 2})";
  body += "]";
  auto status = parse_status(body);
  CHECK(status.violations().size() == 100);
  CHECK(status.violations()[99].path == "/99/k");
}

TEST_CASE("a body over the size limit is refused as too large, before parsing") {
  const std::size_t limit = std::size_t{1} << 20;
  std::string at_limit = "[" + std::string(limit - 2, ' ') + "]";
  CHECK(json::parse(at_limit).is_ok());
  std::string over = at_limit + " ";
  auto status = parse_status(over);
  CHECK(status.code() == Code::too_large);
  CHECK(sijill::http_status(status.code()) == 413);
  CHECK(status.message() == "the body is 1048577 bytes; at most 1048576 bytes are allowed");

  json::Limits small;
  small.max_body_bytes = 10;
  CHECK(parse_status("[1,2,3,4,5]", small).code() == Code::too_large);
  CHECK(parse_status("{not json}", small).code() == Code::invalid_argument);  // within the limit
}

TEST_CASE("threads parse at the same time, each with its own limits") {
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &good] {
      json::Limits limits;
      limits.max_depth = static_cast<std::size_t>(4 + t);
      for (int i = 0; i < 200; ++i) {
        auto deep = json::parse(nested_arrays(static_cast<std::size_t>(5 + t)), limits);
        auto ok = json::parse(R"({"i": )" + std::to_string(i) + "}", limits);
        if (!deep.is_ok() && ok.is_ok() && ok->root()["i"].get_int64().value() == i) ++good[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(good == std::vector<int>{200, 200, 200, 200});
}

TEST_CASE("JSON Pointer tokens are escaped as RFC 6901 says") {
  std::string pointer;
  json::append_pointer_token(pointer, "scores");
  json::append_pointer_token(pointer, "a/b~c");
  json::append_pointer_index(pointer, 12);
  json::append_pointer_token(pointer, "");
  CHECK(pointer == "/scores/a~1b~0c/12/");
  CHECK(json::make_pointer({}) == "");
  CHECK(json::make_pointer({"~1", "/"}) == "/~01/~1");
}
