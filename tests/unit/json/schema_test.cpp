// Schema: compiling (and refusing) schemas, and the violations a person reads.
#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

#include "sijill/json/dom.h"
#include "sijill/json/schema.h"

namespace json = sijill::json;
using sijill::Code;

namespace {

json::Schema compiled(std::string_view text, const json::CompileOptions& options = {}) {
  auto schema = json::Schema::compile(text, options);
  INFO(text);
  REQUIRE(schema.status().to_string() == "ok");
  return *schema;
}

// Every violation of `instance` under `schema`, as "path: message" lines.
std::vector<std::string> violations(const json::Schema& schema, std::string_view instance) {
  auto document = json::parse(instance);
  REQUIRE(document.status().to_string() == "ok");
  std::vector<std::string> out;
  for (const auto& v : schema.violations(document->root())) out.push_back(v.path + ": " + v.message);
  CHECK(schema.is_valid(document->root()) == out.empty());
  return out;
}

using Lines = std::vector<std::string>;

// The compile errors of `text`, as "path: message" lines.
Lines compile_errors(std::string_view text, const json::CompileOptions& options = {}) {
  auto schema = json::Schema::compile(text, options);
  CHECK(schema.status().code() == Code::invalid_argument);
  Lines out;
  for (const auto& v : schema.status().violations()) out.push_back(v.path + ": " + v.message);
  return out;
}

// A command of the programme, in the shape the register's schemas take.
constexpr std::string_view kScoreSubmitted = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://sijill.example/commands/SubmitScore",
  "title": "SubmitScore",
  "type": "object",
  "required": ["application", "region", "sector", "scores"],
  "additionalProperties": false,
  "properties": {
    "application": {"type": "string", "pattern": "^APP-[0-9]{4}$"},
    "region": {"$ref": "#/$defs/region"},
    "sector": {"enum": ["omi", "agr"]},
    "scores": {
      "type": "object",
      "required": ["pertinence", "impact"],
      "properties": {
        "pertinence": {"type": "integer", "minimum": 0, "maximum": 30},
        "impact": {"type": "number", "minimum": 0, "exclusiveMaximum": 20, "multipleOf": 0.5}
      }
    },
    "comment": {"type": "string", "maxLength": 10},
    "evidence": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "maxItems": 3}
  },
  "$defs": {
    "region": {"$anchor": "region", "type": "string", "minLength": 2, "description": "a region of Morocco"}
  }
})";

}  // namespace

TEST_CASE("a valid command has no violation") {
  json::Schema schema = compiled(kScoreSubmitted);
  CHECK(violations(schema, R"({"application": "APP-0007", "region": "Souss-Massa", "sector": "agr",
                               "scores": {"pertinence": 30, "impact": 19.5}, "comment": "très bien",
                               "evidence": ["a", "b"]})")
            .empty());
  auto document = json::parse(R"({"application": "APP-0001", "region": "Oriental", "sector": "omi",
                                  "scores": {"pertinence": 0, "impact": 0}})");
  REQUIRE(document);
  CHECK(schema.validate(*document).is_ok());
}

TEST_CASE("every violation is listed, each with the instance's pointer and an actionable message") {
  json::Schema schema = compiled(kScoreSubmitted);
  CHECK(violations(schema, R"({"application": "APP-7", "sector": "fish",
                               "scores": {"pertinence": 31, "impact": 20.25}, "comment": "far too long here",
                               "evidence": ["a", "b", "a", "c"], "extra": 1})") ==
        Lines{
            ": required property 'region' is missing",
            "/application: must match the pattern ^APP-[0-9]{4}$",
            "/sector: must be one of: \"omi\", \"agr\" (got string \"fish\")",
            "/scores/pertinence: must be at most 30 (got 31)",
            "/scores/impact: must be less than 20 (got 20.25)",
            "/scores/impact: must be a multiple of 0.5 (got 20.25)",
            "/comment: must be at most 10 characters long (got 17)",
            "/evidence: must have at most 3 items (got 4)",
            "/evidence: must not contain duplicate items (items 0 and 2 are equal)",
            "/extra: property 'extra' is not allowed (allowed: 'application', 'comment', 'evidence', 'region', "
            "'scores', 'sector')",
        });
}

TEST_CASE("validate() returns invalid_argument with the violations") {
  json::Schema schema = compiled(kScoreSubmitted);
  auto document = json::parse(R"({"application": "APP-0001", "region": "O", "sector": "omi",
                                  "scores": {"pertinence": -1}})");
  REQUIRE(document);
  auto status = schema.validate(*document);
  CHECK(status.code() == Code::invalid_argument);
  CHECK(status.to_string() ==
        "invalid-argument: the body does not match its schema\n"
        "  /region: must be at least 2 characters long (got 1)\n"
        "  /scores: required property 'impact' is missing\n"
        "  /scores/pertinence: must be at least 0 (got -1)");
}

TEST_CASE("type messages name the expected and the actual type") {
  CHECK(violations(compiled(R"({"type": "integer"})"), "1.5") == Lines{": must be an integer (got number 1.5)"});
  CHECK(violations(compiled(R"({"type": "integer"})"), "1.0").empty());  // 1.0 is an integer
  CHECK(violations(compiled(R"({"type": "integer"})"), "1e3").empty());
  CHECK(violations(compiled(R"({"type": "object"})"), "[1]") == Lines{": must be an object (got array)"});
  CHECK(violations(compiled(R"({"type": ["string", "null"]})"), "true") ==
        Lines{": must be one of the types null, string (got true)"});
  CHECK(violations(compiled(R"({"type": "string"})"), "12") == Lines{": must be a string (got integer 12)"});
  CHECK(violations(compiled(R"({"type": "number"})"), "\"12\"") == Lines{": must be a number (got string \"12\")"});
}

TEST_CASE("numbers are compared exactly across int64, uint64 and double") {
  json::Schema max = compiled(R"({"maximum": 9007199254740992})");  // 2^53
  CHECK(violations(max, "9007199254740993") == Lines{": must be at most 9007199254740992 (got 9007199254740993)"});
  CHECK(violations(max, "9007199254740992.0").empty());
  json::Schema big = compiled(R"({"minimum": 18446744073709551615})");
  CHECK(violations(big, "18446744073709551615").empty());
  CHECK(violations(big, "18446744073709551614") ==
        Lines{": must be at least 18446744073709551615 (got 18446744073709551614)"});
  CHECK(violations(big, "1.8446744073709552e19").empty());  // 2^64 as a double is above it
  CHECK(violations(compiled(R"({"exclusiveMinimum": -9223372036854775808})"), "-9223372036854775808") ==
        Lines{": must be greater than -9223372036854775808 (got -9223372036854775808)"});
  CHECK(violations(compiled(R"({"exclusiveMinimum": 0})"), "1e-300").empty());

  // enum and const: 1 and 1.0 are the same number.
  CHECK(violations(compiled(R"({"enum": [1, "1"]})"), "1.0").empty());
  CHECK(violations(compiled(R"({"const": {"a": [1.0, 2]}})"), R"({"a": [1, 2.0]})").empty());
  CHECK(violations(compiled(R"({"const": 0.1})"), "0.10000000000000001").empty());  // the same double
  CHECK(violations(compiled(R"({"const": 9007199254740993})"), "9007199254740992.0") ==
        Lines{": must be 9007199254740993 (got integer 9007199254740992)"});
}

TEST_CASE("multipleOf is exact on the decimal values") {
  json::Schema cents = compiled(R"({"multipleOf": 0.01})");
  CHECK(violations(cents, "19.99").empty());
  CHECK(violations(cents, "0.07").empty());
  CHECK(violations(cents, "1e3").empty());
  CHECK(violations(cents, "0.075") == Lines{": must be a multiple of 0.01 (got 0.075)"});
  // 2^53 + 1 is a multiple of 3 (rounded to a double, 2^53, it would not be); 2^53 + 2 is not.
  CHECK(violations(compiled(R"({"multipleOf": 3})"), "9007199254740993").empty());
  CHECK(violations(compiled(R"({"multipleOf": 3})"), "9007199254740994") ==
        Lines{": must be a multiple of 3 (got 9007199254740994)"});
  CHECK(violations(compiled(R"({"multipleOf": 3})"), "18446744073709551615").empty());
  CHECK(violations(compiled(R"({"multipleOf": 1e-8})"), "12391239123").empty());
  CHECK_FALSE(violations(compiled(R"({"multipleOf": 0.123456789})"), "1e308").empty());
}

TEST_CASE("string lengths count Unicode code points, and patterns see code points") {
  json::Schema two = compiled(R"({"minLength": 2, "maxLength": 2})");
  CHECK(violations(two, "\"é\"") == Lines{": must be at least 2 characters long (got 1)"});
  CHECK(violations(two, "\"\\ud83d\\ude00!\"").empty());  // one emoji (4 bytes, 2 UTF-16 units) and '!'
  CHECK(violations(compiled(R"({"maxLength": 1})"), "\"ab\"") == Lines{": must be at most 1 character long (got 2)"});

  // Names in Arabic, Latin or Tifinagh letters, spaces and hyphens: Unicode property escapes.
  json::Schema name = compiled(R"({"pattern": "^\\p{L}[\\p{L} '-]*$"})");
  CHECK(violations(name, "\"Fatima Zahra El-Idrissi\"").empty());
  CHECK(violations(name, "\"فاطمة الزهراء\"").empty());
  CHECK(violations(name, "\"ⴼⴰⵟⵉⵎⴰ\"").empty());
  CHECK(violations(name, "\"R2-D2\"") == Lines{": must match the pattern ^\\p{L}[\\p{L} '-]*$"});
  CHECK(violations(compiled(R"({"pattern": "^\\p{Script=Arabic}+$"})"), "\"Fatima\"").size() == 1);
  CHECK(violations(compiled(R"({"pattern": "^.$"})"), "\"é\"").empty());
  CHECK(violations(compiled(R"({"pattern": "^[^a]$"})"), "\"😀\"").empty());

  // ECMA-262 semantics: \d is ASCII, $ is the end of the subject, . stops at a line break.
  CHECK(violations(compiled(R"({"pattern": "^\\d+$"})"), "\"١٢٣\"").size() == 1);
  CHECK(violations(compiled(R"({"pattern": "^abc$"})"), "\"abc\\n\"").size() == 1);
  CHECK(violations(compiled(R"({"pattern": "a.c"})"), "\"a\\nc\"").size() == 1);
  CHECK(violations(compiled(R"({"pattern": "b"})"), "\"abc\"").empty());  // not anchored
  CHECK(violations(compiled(R"({"pattern": "^\\u{1F600}$"})"), "\"😀\"").empty());
  CHECK(violations(compiled(R"({"pattern": "^\\uD83D\\uDE00$"})"), "\"😀\"").empty());  // a surrogate pair
  CHECK(violations(compiled(R"({"pattern": "^caf\\u00e9$"})"), "\"café\"").empty());
  CHECK(violations(compiled(R"({"pattern": "^[\\s\\u00A0]$"})"), "\"\u00a0\"").empty());
  CHECK(violations(compiled(R"({"pattern": "^\\p{White_Space}$"})"), "\"\u2028\"").empty());
}

TEST_CASE("a pattern too costly to match fails the value instead of hanging") {
  json::Schema schema = compiled(R"({"pattern": "^(a+)+$"})");
  CHECK(violations(schema, "\"" + std::string(40, 'a') + "b\"") ==
        Lines{": could not be checked against the pattern ^(a+)+$ (matching is too complex for this value)"});
  // A long (64 KiB) subject does not overflow the stack.
  CHECK(violations(compiled(R"({"pattern": "^(a|b)*$"})"), "\"" + std::string(65536, 'a') + "\"").size() <= 1);
  CHECK(violations(compiled(R"({"pattern": "^[a-z]+$"})"), "\"" + std::string(65536, 'a') + "\"").empty());
}

TEST_CASE("object keywords: required, additionalProperties, propertyNames, dependentRequired") {
  json::Schema schema = compiled(R"({
    "properties": {"a/b": {"type": "integer"}, "c~d": {"type": "integer"}},
    "patternProperties": {"^x-": {"type": "string"}},
    "additionalProperties": false,
    "propertyNames": {"maxLength": 5},
    "dependentRequired": {"iban": ["bank"]},
    "minProperties": 1
  })");
  CHECK(violations(schema, R"({"a/b": "1", "c~d": 2, "x-tag": 3})") ==
        Lines{"/a~1b: must be an integer (got string \"1\")", "/x-tag: must be a string (got integer 3)"});
  CHECK(violations(schema, R"({"toolong": 1})") ==
        Lines{"/toolong: property 'toolong' is not allowed",
              "/toolong: the property name 'toolong' is not allowed: must be at most 5 characters long (got 7)"});
  CHECK(violations(schema, "{}") == Lines{": must have at least 1 property (got 0)"});

  json::Schema iban = compiled(R"({"dependentRequired": {"iban": ["bank", "holder"]}, "maxProperties": 2})");
  CHECK(violations(iban, R"({"iban": "MA64", "holder": "x", "z": 1})") ==
        Lines{": must have at most 2 properties (got 3)", ": property 'bank' is required when 'iban' is present"});
}

TEST_CASE("array keywords: prefixItems, items, contains") {
  json::Schema pair = compiled(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})");
  CHECK(violations(pair, R"(["a", 1])").empty());
  CHECK(violations(pair, R"([1, "a", null])") ==
        Lines{"/0: must be a string (got integer 1)", "/1: must be an integer (got string \"a\")",
              ": must have at most 2 items (got 3): no item is allowed after the first 2"});
  CHECK(violations(compiled(R"({"items": false})"), "[1]") == Lines{": must be empty (got 1 item)"});

  json::Schema some = compiled(R"({"contains": {"const": "lead"}, "minContains": 1, "maxContains": 1})");
  CHECK(violations(some, R"(["x"])") ==
        Lines{": must contain at least 1 item matching the 'contains' schema (found 0)"});
  CHECK(violations(some, R"(["lead", "lead"])") ==
        Lines{": must contain at most 1 item matching the 'contains' schema (found 2)"});
  CHECK(violations(compiled(R"({"uniqueItems": true})"), R"([1, {"a": 1, "b": [2]}, {"b": [2.0], "a": 1.0}])") ==
        Lines{": must not contain duplicate items (items 1 and 2 are equal)"});
}

TEST_CASE("combinators explain themselves") {
  json::Schema any = compiled(R"({"anyOf": [{"type": "string"}, {"type": "object", "required": ["id"]}]})");
  CHECK(violations(any, "{}") ==
        Lines{": must match at least one of the 2 schemas in anyOf; schema 1: must be a string (got object); "
              "schema 2: required property 'id' is missing"});
  json::Schema one = compiled(R"({"oneOf": [{"minimum": 0}, {"maximum": 10}, {"type": "string"}]})");
  CHECK(violations(one, "5") ==
        Lines{": must match exactly one of the 3 schemas in oneOf, but matches schemas 1 and 2"});
  CHECK(violations(one, "-1").empty());
  CHECK(violations(compiled(R"({"not": {"const": "x"}})"), "\"x\"") == Lines{": must not match the schema in 'not'"});

  json::Schema conditional = compiled(R"({
    "if": {"properties": {"kind": {"const": "company"}}},
    "then": {"required": ["ice"]},
    "else": {"required": ["cin"]}
  })");
  CHECK(violations(conditional, R"({"kind": "company"})") == Lines{": required property 'ice' is missing"});
  CHECK(violations(conditional, R"({"kind": "person"})") == Lines{": required property 'cin' is missing"});
  CHECK(violations(compiled(R"({"properties": {"x": false}})"), R"({"x": 1})") ==
        Lines{"/x: property 'x' is not allowed"});
  CHECK(violations(compiled("false"), "1") == Lines{": no value is allowed here (the schema is false)"});
  CHECK(violations(compiled("true"), "1").empty());
}

TEST_CASE("$ref resolves pointers, anchors and $id within the document, recursively") {
  json::Schema tree = compiled(R"({
    "$id": "https://sijill.example/tree",
    "type": "object",
    "properties": {"children": {"type": "array", "items": {"$ref": "#"}}, "leaf": {"$ref": "leaf#value"}},
    "$defs": {"leaf": {"$id": "leaf", "$defs": {"v": {"$anchor": "value", "type": "integer"}}}}
  })");
  CHECK(violations(tree, R"({"children": [{"children": [{"leaf": 1}, {"leaf": "x"}]}]})") ==
        Lines{"/children/0/children/1/leaf: must be an integer (got string \"x\")"});
  CHECK(violations(compiled(R"({"$ref": "#/$defs/a~1b", "$defs": {"a/b": {"const": 1}}})"), "2") ==
        Lines{": must be 1 (got integer 2)"});
}

TEST_CASE("violations() prefixes paths with the instance's own pointer") {
  json::Schema schema = compiled(R"({"required": ["x"]})");
  auto document = json::parse(R"({"items": [{"x": 1}, {}]})");
  REQUIRE(document);
  simdjson::dom::element second = document->root()["items"].at(1).value();
  auto found = schema.violations(second, "/items/1");
  REQUIRE(found.size() == 1);
  CHECK(found[0].path == "/items/1");
}

TEST_CASE("schemas that cannot be used are refused with the pointer of the fault in the schema") {
  CHECK(compile_errors(R"({"type": "object", "requried": ["a"]})") == Lines{"/requried: unknown keyword 'requried'"});
  CHECK(compile_errors(R"({"definitions": {}})") ==
        Lines{"/definitions: unknown keyword 'definitions' (draft 2020-12 names it $defs)"});
  CHECK(
      compile_errors(R"({"unevaluatedProperties": false})") ==
      Lines{"/unevaluatedProperties: the keyword 'unevaluatedProperties' is not supported (see docs/json-schema.md)"});
  CHECK(compile_errors(R"({"$schema": "http://json-schema.org/draft-07/schema#"})") ==
        Lines{"/$schema: only JSON Schema draft 2020-12 is supported (\"$schema\": "
              "\"https://json-schema.org/draft/2020-12/schema\")"});
  CHECK(compile_errors(R"({"properties": {"age": {"minimum": "18"}}})") ==
        Lines{"/properties/age/minimum: must be a number"});
  CHECK(
      compile_errors(R"({"maxLength": -1, "minItems": 1.5, "type": "text"})") ==
      Lines{"/maxLength: must be a non-negative integer", "/minItems: must be a non-negative integer",
            "/type: must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", \"string\", \"integer\""});
  CHECK(compile_errors(R"({"multipleOf": 0})") == Lines{"/multipleOf: must be greater than 0"});
  CHECK(compile_errors(R"({"items": [{}]})") ==
        Lines{"/items: must be a schema (in draft 2020-12 an array of schemas is written prefixItems)"});
  CHECK(compile_errors(R"({"required": ["a", "a"]})") == Lines{"/required/1: repeats 'a'"});
  CHECK(compile_errors(R"({"properties": {"a": 3}})") ==
        Lines{"/properties/a: a schema must be an object or a boolean"});
  CHECK(compile_errors(R"({"pattern": "(unclosed"})").at(0).find("/pattern: is not a valid regular expression") == 0);
  CHECK(compile_errors(R"({"pattern": "\\p{NoSuchProperty}"})") ==
        Lines{"/pattern: is not a valid regular expression: \\p{NoSuchProperty}: unknown Unicode property"});
  CHECK(compile_errors(R"({"$ref": "#/$defs/missing"})") ==
        Lines{"/$ref: cannot resolve '#/$defs/missing': nothing at '/$defs/missing' in this document"});
  CHECK(compile_errors(R"({"$ref": "#nowhere"})") ==
        Lines{"/$ref: cannot resolve '#nowhere': no $anchor 'nowhere' in 'urn:sijill:schema'"});
  CHECK(compile_errors(R"({"$ref": "https://json-schema.org/draft/2020-12/schema"})") ==
        Lines{"/$ref: cannot resolve 'https://json-schema.org/draft/2020-12/schema': no schema in this document has "
              "the $id 'https://json-schema.org/draft/2020-12/schema' (remote references are not fetched)"});
  CHECK(compile_errors(R"({"$id": "https://a.example/x#frag"})") ==
        Lines{"/$id: must not have a fragment (name a location with $anchor instead)"});

  // Evaluation that would never end: a cycle that never moves into the instance.
  CHECK(compile_errors(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}},
                           "$ref": "#/$defs/a"})")
            .size() == 1);
  CHECK(compile_errors(R"({"anyOf": [{"$ref": "#"}]})").size() == 1);
  CHECK(json::Schema::compile(R"({"properties": {"next": {"$ref": "#"}}})").is_ok());  // moves into the instance

  // The schema's own JSON is checked like any other input.
  CHECK(compile_errors(R"({"type": "object", "type": "array"})") ==
        Lines{"/type: duplicate key: each key may appear only once in an object"});
  CHECK(compile_errors(R"({"type": )") ==
        Lines{": unexpected end of input (the JSON is truncated) at byte 9 (line 1, column 10)"});
  CHECK(compile_errors("[]") == Lines{": a schema must be an object or a boolean"});
}

TEST_CASE("unknown keywords can be allowed as annotations") {
  json::CompileOptions lenient;
  lenient.reject_unknown_keywords = false;
  json::Schema schema = compiled(R"({"x-ui": {"widget": "select"}, "type": "string"})", lenient);
  CHECK(violations(schema, "1") == Lines{": must be a string (got integer 1)"});
  // Unsupported keywords stay refused: ignoring them would accept what the author meant to refuse.
  CHECK(compile_errors(R"({"unevaluatedItems": false})", lenient).size() == 1);
  // Annotations are always accepted.
  CHECK(json::Schema::compile(R"({"title": "t", "description": "d", "examples": [1], "default": 2, "format": "date",
                                  "deprecated": true, "readOnly": false, "writeOnly": false, "$comment": "c",
                                  "contentMediaType": "application/json", "contentEncoding": "base64"})")
            .is_ok());
}

TEST_CASE("one compiled schema serves many threads, and copies share it") {
  json::Schema schema = compiled(kScoreSubmitted);
  json::Schema copy = schema;
  std::vector<std::thread> threads;
  std::vector<int> agreed(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const json::Schema& mine = t % 2 ? copy : schema;
      for (int i = 0; i < 100; ++i) {
        auto document = json::parse(R"({"application": "APP-0001", "region": "Oriental", "sector": "omi",
                                        "scores": {"pertinence": )" +
                                    std::to_string(i) + R"(, "impact": 1}})");
        bool valid = mine.validate(*document).is_ok();
        if (valid == (i <= 30)) ++agreed[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(agreed == std::vector<int>{100, 100, 100, 100});
}

TEST_CASE("JSON equality, hashing and type names of dom.h") {
  auto document = json::parse(R"([1, 1.0, 1e0, -0.0, 0, {"a": [1, "x"], "b": null}, {"b": null, "a": [1.0, "x"]},
                                   "1", 18446744073709551615, 1.8446744073709552e19, 2.5])");
  REQUIRE(document);
  simdjson::dom::array values = document->root().get_array().value();
  auto at = [&](std::size_t i) { return values.at(i).value(); };
  CHECK(json::equal(at(0), at(1)));
  CHECK(json::equal(at(0), at(2)));
  CHECK(json::equal(at(3), at(4)));
  CHECK(json::equal(at(5), at(6)));
  CHECK_FALSE(json::equal(at(0), at(7)));
  CHECK_FALSE(json::equal(at(8), at(9)));  // 2^64 - 1 is not 2^64
  CHECK(json::hash(at(0)) == json::hash(at(1)));
  CHECK(json::hash(at(3)) == json::hash(at(4)));
  CHECK(json::hash(at(5)) == json::hash(at(6)));
  CHECK(json::type_name(at(1)) == "integer");
  CHECK(json::type_name(at(10)) == "number");
  CHECK(json::type_name(at(8)) == "integer");
  CHECK(json::to_json(at(5)) == R"({"a":[1,"x"],"b":null})");
}
