// Status and Result: how every part of sijill reports an expected failure.
//
// Expected failures (bad input, a rule that forbids an operation, a version conflict, a storage
// fault) are values, never exceptions; exceptions are kept for programmer errors. A Status says
// what the caller should do next through its Code, and the HTTP layer maps each Code to exactly
// one status of the wire contract (see http_status()).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sijill {

// What went wrong, phrased as what the caller can do about it.
enum class Code {
  ok = 0,
  invalid_argument,   // fix the request (400): malformed, not UTF-8, breaks a schema
  unauthenticated,    // no, expired or revoked token (401)
  permission_denied,  // not allowed for this role, region or case (403)
  not_found,          // unknown command, stream, application, route (404)
  conflict,           // idempotency key reused with another body, duplicate id (409)
  version_mismatch,   // expected stream version does not match: re-read, decide again (412)
  too_large,          // body or field over its limit (413)
  rule_violation,     // a domain rule forbids the operation; rule() names it (422)
  unavailable,        // shutting down or storage failed: retry with the same idempotency key (503)
  data_loss,          // stored data is damaged (the chain does not verify)
  internal,           // a bug: should never be seen
};

std::string_view to_string(Code code);
int http_status(Code code);
// The title of a problem+json answer for this code ("Refused by a rule").
std::string_view problem_title(Code code);
// The code an HTTP status of the wire contract stands for (the inverse of http_status; 405 is
// not_found, an unknown status internal). For clients of the API.
Code code_for_http_status(int status);

// One violation of a schema or limit: where (a JSON Pointer, RFC 6901) and what to do about it.
struct Violation {
  std::string path;
  std::string message;
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string message, std::vector<Violation> v = {}) {
    return Status(Code::invalid_argument, {}, std::move(message), std::move(v));
  }
  static Status not_found(std::string message) { return Status(Code::not_found, {}, std::move(message)); }
  static Status conflict(std::string message) { return Status(Code::conflict, {}, std::move(message)); }
  static Status version_mismatch(std::string message) { return Status(Code::version_mismatch, {}, std::move(message)); }
  static Status too_large(std::string message) { return Status(Code::too_large, {}, std::move(message)); }
  // `rule` is the kebab-case name of the rule (e.g. "quota-full"); it becomes /problems/<rule>.
  static Status rule_violation(std::string rule, std::string message) {
    return Status(Code::rule_violation, std::move(rule), std::move(message));
  }
  static Status unavailable(std::string message) { return Status(Code::unavailable, {}, std::move(message)); }
  static Status data_loss(std::string message) { return Status(Code::data_loss, {}, std::move(message)); }
  static Status internal(std::string message) { return Status(Code::internal, {}, std::move(message)); }
  static Status permission_denied(std::string message) {
    return Status(Code::permission_denied, {}, std::move(message));
  }
  static Status unauthenticated(std::string message) { return Status(Code::unauthenticated, {}, std::move(message)); }

  Status(Code code, std::string rule, std::string message, std::vector<Violation> violations = {});

  bool is_ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return rep_ ? rep_->code : Code::ok; }
  // The rule's name for rule_violation, else the code's name ("conflict", "unavailable", ...).
  std::string_view rule() const;
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : std::string_view(); }
  const std::vector<Violation>& violations() const;

  // "code: message" (with the rule for rule violations), for logs and the command line.
  std::string to_string() const;

 private:
  struct Rep {
    Code code;
    std::string rule;
    std::string message;
    std::vector<Violation> violations;
  };
  std::shared_ptr<const Rep> rep_;  // null means ok: an ok Status costs one pointer
};

// Either a value or a failed Status. Accessing value() of a failed Result is a programmer error.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).is_ok()) v_ = Status::internal("Result built from an ok Status");
  }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Ok when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace sijill
