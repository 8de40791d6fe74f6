#include "sijill/util/status.h"

namespace sijill {

std::string_view to_string(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::invalid_argument:
      return "invalid-argument";
    case Code::unauthenticated:
      return "unauthenticated";
    case Code::permission_denied:
      return "permission-denied";
    case Code::not_found:
      return "not-found";
    case Code::conflict:
      return "conflict";
    case Code::version_mismatch:
      return "version-mismatch";
    case Code::too_large:
      return "too-large";
    case Code::rule_violation:
      return "rule-violation";
    case Code::unavailable:
      return "unavailable";
    case Code::data_loss:
      return "data-loss";
    case Code::internal:
      return "internal";
  }
  return "internal";
}

int http_status(Code code) {
  switch (code) {
    case Code::ok:
      return 200;
    case Code::invalid_argument:
      return 400;
    case Code::unauthenticated:
      return 401;
    case Code::permission_denied:
      return 403;
    case Code::not_found:
      return 404;
    case Code::conflict:
      return 409;
    case Code::version_mismatch:
      return 412;
    case Code::too_large:
      return 413;
    case Code::rule_violation:
      return 422;
    case Code::unavailable:
      return 503;
    case Code::data_loss:
      return 500;
    case Code::internal:
      return 500;
  }
  return 500;
}

std::string_view problem_title(Code code) {
  switch (code) {
    case Code::invalid_argument:
      return "Bad request";
    case Code::unauthenticated:
      return "Unauthenticated";
    case Code::permission_denied:
      return "Forbidden";
    case Code::not_found:
      return "Not found";
    case Code::conflict:
      return "Conflict";
    case Code::version_mismatch:
      return "Precondition failed";
    case Code::too_large:
      return "Payload too large";
    case Code::rule_violation:
      return "Refused by a rule";
    case Code::unavailable:
      return "Unavailable";
    default:
      return "Internal error";
  }
}

Code code_for_http_status(int status) {
  switch (status) {
    case 400:
      return Code::invalid_argument;
    case 401:
      return Code::unauthenticated;
    case 403:
      return Code::permission_denied;
    case 404:
    case 405:
      return Code::not_found;
    case 409:
      return Code::conflict;
    case 412:
      return Code::version_mismatch;
    case 413:
      return Code::too_large;
    case 422:
      return Code::rule_violation;
    case 503:
      return Code::unavailable;
    default:
      return Code::internal;
  }
}

Status::Status(Code code, std::string rule, std::string message, std::vector<Violation> violations) {
  if (code == Code::ok) return;
  rep_ = std::make_shared<const Rep>(Rep{code, std::move(rule), std::move(message), std::move(violations)});
}

std::string_view Status::rule() const {
  if (!rep_) return "ok";
  if (!rep_->rule.empty()) return rep_->rule;
  return sijill::to_string(rep_->code);
}

const std::vector<Violation>& Status::violations() const {
  static const std::vector<Violation> none;
  return rep_ ? rep_->violations : none;
}

std::string Status::to_string() const {
  if (!rep_) return "ok";
  std::string out(rule());
  out += ": ";
  out += rep_->message;
  for (const auto& v : rep_->violations) {
    out += "\n  ";
    out += v.path.empty() ? "/" : v.path;
    out += ": ";
    out += v.message;
  }
  return out;
}

}  // namespace sijill
