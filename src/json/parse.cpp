// parse(): simdjson's DOM parser does the work; Boost.JSON's incremental parser is run only on a
// body simdjson refused, to find the byte where it goes wrong (simdjson's DOM API does not say).
#include "sijill/json/parse.h"

#include <simdjson.h>

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "sijill/json/pointer.h"

namespace sijill::json {

struct ParsedDocument::Impl {
  simdjson::dom::document doc;
  std::size_t body_bytes = 0;
};

ParsedDocument::ParsedDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ParsedDocument::ParsedDocument(ParsedDocument&&) noexcept = default;
ParsedDocument& ParsedDocument::operator=(ParsedDocument&&) noexcept = default;
ParsedDocument::~ParsedDocument() = default;

simdjson::dom::element ParsedDocument::root() const { return impl_->doc.root(); }
std::size_t ParsedDocument::body_bytes() const { return impl_->body_bytes; }

namespace {

// ---- Locating a syntax error -------------------------------------------------------------------

namespace bj = boost::json;

// A Boost.JSON handler that builds nothing; it only refuses numbers simdjson cannot represent
// (integers beyond int64/uint64, doubles that overflow), so that their offset is found too.
struct NullHandler {
  explicit NullHandler(std::string_view b) : body(b) {}
  std::string_view body;
  std::optional<std::size_t> number_offset;  // where a number out of range starts

  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(std::size_t, bj::error_code&) { return true; }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t, bj::error_code&) { return true; }
  bool on_key_part(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_key(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_string_part(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_string(bj::string_view, std::size_t, bj::error_code&) { return true; }
  bool on_number_part(bj::string_view, bj::error_code&) { return true; }
  bool on_int64(std::int64_t, bj::string_view, bj::error_code&) { return true; }
  bool on_uint64(std::uint64_t, bj::string_view, bj::error_code&) { return true; }
  bool on_double(double value, bj::string_view text, bj::error_code& ec) {
    // Boost.JSON turns an integer too large for 64 bits into a double; simdjson refuses it.
    bool integer_text = text.find_first_of(".eE") == bj::string_view::npos;
    if (integer_text || !std::isfinite(value)) {
      ec = std::make_error_code(integer_text ? std::errc::result_out_of_range : std::errc::value_too_large);
      // The text lies in the body, which is parsed in one piece: say where the number starts.
      if (text.data() >= body.data() && text.data() <= body.data() + body.size()) {
        number_offset = static_cast<std::size_t>(text.data() - body.data());
      }
      return false;
    }
    return true;
  }
  bool on_bool(bool, bj::error_code&) { return true; }
  bool on_null(bj::error_code&) { return true; }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }
};

struct Diagnosis {
  std::size_t offset;
  std::string what;
};

// What is wrong at `offset`, in words, given Boost.JSON's error code.
// (simdjson's verdict tells invalid UTF-8 from valid UTF-8 where JSON allows no such character.)
std::string describe(std::string_view body, std::size_t offset, const bj::error_code& ec, std::size_t max_depth,
                     simdjson::error_code verdict) {
  if (ec == std::errc::result_out_of_range) return "integer out of range (it must fit in 64 bits)";
  if (ec == std::errc::value_too_large) return "number out of range (too large for a double)";
  if (ec == bj::error::incomplete) return "unexpected end of input (the JSON is truncated)";
  if (ec == bj::error::too_deep) return "nesting deeper than " + std::to_string(max_depth) + " levels";
  if (ec == bj::error::extra_data) return "unexpected data after the JSON value";
  const bool surrogate = ec == bj::error::illegal_leading_surrogate || ec == bj::error::illegal_trailing_surrogate ||
                         ec == bj::error::expected_utf16_escape;
  if (ec == bj::error::expected_hex_digit) return "invalid \\u escape: expected 4 hexadecimal digits";
  if (surrogate || (verdict == simdjson::STRING_ERROR && offset >= 6 && body.substr(offset - 6, 2) == "\\u")) {
    return "invalid \\u escape: a UTF-16 surrogate must be half of a pair";
  }
  if (verdict == simdjson::STRING_ERROR && offset >= 1 && offset < body.size() && body[offset - 1] == '\\') {
    return std::string("invalid escape sequence '\\") + body[offset] + "'";
  }
  if (ec == bj::error::exponent_overflow) return "number out of range (exponent too large)";
  if (ec == bj::error::syntax && offset < body.size()) {
    auto byte = static_cast<unsigned char>(body[offset]);
    if (byte >= 0x80)
      return verdict == simdjson::UTF8_ERROR ? "invalid UTF-8" : "unexpected character outside a string";
    if (byte < 0x20) return "control character in a string (write it as a \\u escape)";
    return std::string("unexpected character '") + static_cast<char>(byte) + "'";
  }
  return ec.message();
}

// The first error in `body`, or nothing when Boost.JSON accepts it.
std::optional<Diagnosis> diagnose(std::string_view body, std::size_t max_depth, simdjson::error_code verdict) {
  bj::parse_options options;
  options.max_depth = max_depth;
  bj::basic_parser<NullHandler> parser(options, body);
  bj::error_code ec;
  std::size_t consumed = parser.write_some(false, body.data(), body.size(), ec);
  if (parser.handler().number_offset) consumed = *parser.handler().number_offset;
  if (ec) return Diagnosis{consumed, describe(body, consumed, ec, max_depth, verdict)};
  if (consumed < body.size()) return Diagnosis{consumed, "unexpected data after the JSON value"};
  return std::nullopt;
}

// "at byte 17 (line 2, column 5)": the offset is 0-based, line and column (in bytes) 1-based.
std::string where(std::string_view body, std::size_t offset) {
  offset = std::min(offset, body.size());
  std::string_view before = body.substr(0, offset);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  std::size_t line_start = before.rfind('\n');
  std::size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "at byte " + std::to_string(offset) + " (line " + std::to_string(line) + ", column " + std::to_string(column) +
         ")";
}

Status syntax_error(std::string_view body, simdjson::error_code error, std::size_t max_depth) {
  std::string detail;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    detail = "the body is empty: expected a JSON value";
  } else if (auto found = diagnose(body, max_depth, error)) {
    detail = found->what + " " + where(body, found->offset);
  } else {
    detail = simdjson::error_message(error);  // the two parsers disagree: keep simdjson's word
  }
  return Status::invalid_argument("the body is not valid JSON: " + detail, {Violation{"", detail}});
}

// ---- Limits that simdjson does not check -------------------------------------------------------

class LimitChecker {
 public:
  LimitChecker(const Limits& limits, std::vector<Violation>& out) : limits_(limits), out_(out) {}

  // `depth` counts the arrays and objects `value` is in (0 for the root).
  void check(simdjson::dom::element value, std::size_t depth = 0) {
    if (full()) return;
    auto type = value.type();
    if ((type == simdjson::dom::element_type::ARRAY || type == simdjson::dom::element_type::OBJECT) &&
        depth + 1 > limits_.max_depth) {
      // Only an empty array or object gets here: simdjson refused deeper non-empty ones.
      return report("nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    switch (type) {
      case simdjson::dom::element_type::STRING:
        check_string(value.get_string().value_unsafe(), "string");
        break;
      case simdjson::dom::element_type::ARRAY:
        check_array(value.get_array().value_unsafe(), depth + 1);
        break;
      case simdjson::dom::element_type::OBJECT:
        check_object(value.get_object().value_unsafe(), depth + 1);
        break;
      default:
        break;
    }
  }

 private:
  bool full() const { return out_.size() >= limits_.max_violations; }
  void report(std::string message) {
    if (!full()) out_.push_back(Violation{path_, std::move(message)});
  }

  void check_string(std::string_view s, const char* what) {
    if (s.size() > limits_.max_string_bytes) {
      report(std::string(what) + " is " + std::to_string(s.size()) + " bytes long; at most " +
             std::to_string(limits_.max_string_bytes) + " bytes are allowed");
    }
  }

  void check_array(simdjson::dom::array array, std::size_t depth) {
    std::size_t count = array.size();
    if (count > limits_.max_array_elements) {
      report("array has " + std::to_string(count) + " elements; at most " + std::to_string(limits_.max_array_elements) +
             " are allowed");
    }
    std::size_t index = 0;
    for (simdjson::dom::element item : array) {
      if (full()) return;
      std::size_t mark = path_.size();
      append_pointer_index(path_, index++);
      check(item, depth);
      path_.resize(mark);
    }
  }

  void check_object(simdjson::dom::object object, std::size_t depth) {
    std::size_t count = object.size();
    if (count > limits_.max_object_members) {
      report("object has " + std::to_string(count) + " members; at most " + std::to_string(limits_.max_object_members) +
             " are allowed");
    }
    check_duplicates(object);
    for (simdjson::dom::key_value_pair member : object) {
      if (full()) return;
      std::size_t mark = path_.size();
      append_pointer_token(path_, member.key);
      check_string(member.key, "key");
      check(member.value, depth);
      path_.resize(mark);
    }
  }

  // Reports each key that appears more than once, at the pointer of that key, in key order.
  void check_duplicates(simdjson::dom::object object) {
    keys_.clear();
    for (simdjson::dom::key_value_pair member : object) keys_.push_back(member.key);
    std::sort(keys_.begin(), keys_.end());
    for (std::size_t i = 1; i < keys_.size(); ++i) {
      if (keys_[i] != keys_[i - 1] || (i >= 2 && keys_[i] == keys_[i - 2])) continue;
      std::size_t mark = path_.size();
      append_pointer_token(path_, keys_[i]);
      report("duplicate key: each key may appear only once in an object");
      path_.resize(mark);
    }
  }

  const Limits& limits_;
  std::vector<Violation>& out_;
  std::string path_;
  std::vector<std::string_view> keys_;  // scratch, reused from object to object
};

}  // namespace

Result<ParsedDocument> parse(std::string_view body, const Limits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return Status::too_large("the body is " + std::to_string(body.size()) + " bytes; at most " +
                             std::to_string(limits.max_body_bytes) + " bytes are allowed");
  }

  // One parser per thread: its buffers are reused from call to call. The document it fills is
  // owned by the ParsedDocument, so the parser is free again as soon as this returns.
  // simdjson's depth bound lets an empty array or object sit one level deeper than a non-empty
  // one; it is set one above the limit, and LimitChecker refuses that last level.
  thread_local simdjson::dom::parser parser;
  const std::size_t simdjson_depth = limits.max_depth + 1;
  if (parser.max_depth() != simdjson_depth || parser.capacity() == 0) {
    if (auto error = parser.allocate(std::max(body.size(), std::size_t{4096}), simdjson_depth)) {
      return Status::internal(std::string("cannot allocate the JSON parser: ") + simdjson::error_message(error));
    }
  }

  auto impl = std::make_unique<ParsedDocument::Impl>();
  impl->body_bytes = body.size();
  simdjson::dom::element root;
  if (auto error = parser.parse_into_document(impl->doc, body.data(), body.size()).get(root)) {
    if (error == simdjson::MEMALLOC) return Status::internal("out of memory while parsing JSON");
    return syntax_error(body, error, limits.max_depth);
  }

  std::vector<Violation> violations;
  LimitChecker(limits, violations).check(root);
  if (!violations.empty()) {
    return Status::invalid_argument("the body breaks the limits on JSON input", std::move(violations));
  }
  return ParsedDocument(std::move(impl));
}

}  // namespace sijill::json
