#include "sijill/importer/plan.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>

#include "sijill/domain/ami/config.h"
#include "sijill/json/pointer.h"
#include "sijill/processor/command.h"

namespace sijill::importer {

namespace {

std::string hex_digest(std::string_view bytes) { return store::to_hex(processor::sha256(bytes)); }

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// Does `text` have the shape of `format` (letters D, M, Y, H, S stand for digits)?
bool has_shape(std::string_view text, std::string_view format) {
  if (text.size() != format.size()) return false;
  for (std::size_t i = 0; i < format.size(); ++i) {
    const bool digit = std::string_view("DMYHS").find(format[i]) != std::string_view::npos;
    if (digit ? !(text[i] >= '0' && text[i] <= '9') : text[i] != format[i]) return false;
  }
  return true;
}

int number(std::string_view digits) {
  int v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

// A date in `format` as "YYYY-MM-DD", or the reason it is not one.
Result<std::string> read_date(std::string_view text, std::string_view format) {
  if (!has_shape(text, format)) {
    return Status::invalid_argument("'" + std::string(text) + "' is not a date written " + std::string(format));
  }
  int y = 0, m = 0, d = 0;
  if (format == "DD/MM/YYYY") {
    d = number(text.substr(0, 2)), m = number(text.substr(3, 2)), y = number(text.substr(6, 4));
  } else {
    y = number(text.substr(0, 4)), m = number(text.substr(5, 2)), d = number(text.substr(8, 2));
  }
  const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
                                        std::chrono::day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return Status::invalid_argument("'" + std::string(text) + "' is not a date of the calendar");
  char out[11];
  std::snprintf(out, sizeof out, "%04d-%02d-%02d", y, m, d);
  return std::string(out);
}

bool looks_like_email(std::string_view s) {
  const auto at = s.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < s.size() && s.find('@', at + 1) == std::string_view::npos &&
         s.find_first_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

std::string PlannedCommand::column_of(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    if (auto it = columns.find(p); it != columns.end()) return it->second;
    const auto slash = p.rfind('/');
    if (slash == std::string::npos || p.empty()) return {};
    p.resize(slash);
  }
}

std::string organisation_id_for(std::string_view registration_number) {
  return "OSC-" + hex_digest(registration_number).substr(0, 8);
}

std::string person_id_for(std::string_view registration_number) {
  return "PER-" + hex_digest("contact-person:" + std::string(registration_number)).substr(0, 8);
}

std::string idempotency_key_for(std::string_view format, std::string_view call_id, std::string_view command,
                                const std::vector<std::string>& header, const std::vector<std::string>& fields) {
  boost::json::array row;
  for (std::size_t i = 0; i < std::max(header.size(), fields.size()); ++i) {
    row.push_back(boost::json::array{i < header.size() ? boost::json::value(header[i]) : boost::json::value(nullptr),
                                     i < fields.size() ? boost::json::value(fields[i]) : boost::json::value(nullptr)});
  }
  boost::json::array input{"sijill-import", format, call_id, command, std::move(row)};
  return "import-" + hex_digest(boost::json::serialize(input)).substr(0, 40);
}

Planner::Planner(Mapping mapping, std::vector<std::string> header, std::string call_id, time::Zone zone)
    : mapping_(std::move(mapping)), header_(std::move(header)), call_id_(std::move(call_id)), zone_(zone) {
  for (std::size_t i = 0; i < header_.size(); ++i) index_.emplace(header_[i], i);
}

Result<Planner> Planner::create(Mapping mapping, std::vector<std::string> header, std::string call_id) {
  if (auto st = check_columns(mapping, header); !st) return st;
  if (call_id.empty()) return Status::invalid_argument("the call id is empty");
  auto zone = time::Zone::locate(mapping.zone);
  if (!zone) return zone.status();
  return Planner(std::move(mapping), std::move(header), std::move(call_id), *zone);
}

RowPlan Planner::plan(const CsvRecord& record) const {
  RowPlan plan;
  plan.line = record.line;
  if (record.fields.size() != header_.size()) {
    plan.errors.push_back({"", "",
                           "the row has " + std::to_string(record.fields.size()) + " fields; the header has " +
                               std::to_string(header_.size())});
    return plan;
  }
  auto& errors = plan.errors;

  // The value of `f` for this row: the fixed value, or the trimmed cell (aliases applied);
  // nullopt when empty. A required empty cell is an error at `path`.
  auto read = [&](const FieldSource& f, PlannedCommand& cmd, const std::string& path) -> std::optional<std::string> {
    if (!f.mapped()) return std::nullopt;
    if (f.value) return *f.value;
    std::string cell(trim(record.fields[index_.at(f.column)]));
    if (auto alias = f.values.find(cell); alias != f.values.end()) cell = alias->second;
    cmd.columns[path] = f.column;
    if (cell.empty()) {
      if (f.required) errors.push_back({f.column, path, "a required answer is empty"});
      return std::nullopt;
    }
    return cell;
  };
  auto key = [&](std::string_view command) {
    return idempotency_key_for(mapping_.format, call_id_, command, header_, record.fields);
  };

  // The submission time.
  auto& form = plan.receive_form;
  form.name = "ReceiveForm";
  form.idempotency_key = key(form.name);
  if (auto when = read(mapping_.submitted_at, form, "/received_at")) {
    plan.submitted_local = *when;
    const auto& format = mapping_.submitted_at.format;
    if (!has_shape(*when, format)) {
      errors.push_back(
          {mapping_.submitted_at.column, "/received_at", "'" + *when + "' is not a time written " + format});
    } else {
      std::string local = *when;
      if (format.starts_with("YYYY")) local[10] = 'T';
      auto instant = time::resolve_local(local, zone_);
      if (!instant) {
        std::string why(instant.status().message());
        if (instant.status().code() == Code::rule_violation) why = std::string(instant.status().rule()) + ": " + why;
        errors.push_back({mapping_.submitted_at.column, "/received_at", why + " (" + zone_.name() + ")"});
      } else {
        plan.received_at = *instant;
      }
    }
  }

  // The organisation.
  const auto& o = mapping_.organisation;
  auto& org = plan.register_organisation;
  org.name = "RegisterOrganisation";
  org.idempotency_key = key(org.name);
  auto number = read(o.registration_number, org, "/registration/number");
  if (number) {
    plan.registration_number = *number;
    plan.organisation_id = organisation_id_for(*number);
  }
  org.body["organisation_id"] = plan.organisation_id;
  if (auto v = read(o.legal_name, org, "/legal_name")) {
    plan.legal_name = *v;
    org.body["legal_name"] = *v;
  }
  if (auto v = read(o.legal_form, org, "/legal_form")) org.body["legal_form"] = *v;
  boost::json::object registration;
  if (auto v = read(o.registration_authority, org, "/registration/authority")) registration["authority"] = *v;
  if (number) registration["number"] = *number;
  if (auto v = read(o.registration_date, org, "/registration/date")) {
    auto date = read_date(*v, o.registration_date.format.empty() ? "YYYY-MM-DD" : o.registration_date.format);
    if (date) {
      registration["date"] = *date;
    } else {
      errors.push_back({o.registration_date.column, "/registration/date", std::string(date.status().message())});
    }
  }
  org.body["registration"] = std::move(registration);
  if (auto v = read(o.region, org, "/region")) {
    const auto& regions = domain::ami::morocco_regions();
    if (std::find(regions.begin(), regions.end(), *v) == regions.end()) {
      errors.push_back({o.region.column, "/region",
                        "unknown region '" + *v +
                            "': not one of Morocco's 12 regions as the register writes them "
                            "(map other spellings under \"values\")"});
    }
    org.body["region"] = *v;
  }
  if (auto v = read(o.province, org, "/province")) org.body["province"] = *v;
  if (auto v = read(o.domains, org, "/domains")) {
    boost::json::array domains;
    if (o.domains.split.empty()) {
      domains.emplace_back(*v);
    } else {
      std::string_view rest = *v;
      while (true) {
        const auto at = rest.find(o.domains.split);
        auto item = trim(rest.substr(0, at));
        if (!item.empty()) domains.emplace_back(item);
        if (at == std::string_view::npos) break;
        rest.remove_prefix(at + o.domains.split.size());
      }
    }
    org.body["domains"] = std::move(domains);
  }

  // The contact person: personal data, in clear until the command path seals it.
  if (mapping_.contact_person) {
    const auto& c = *mapping_.contact_person;
    PlannedCommand person;
    person.name = "RegisterContactPerson";
    person.idempotency_key = key(person.name);
    plan.person_id = number ? person_id_for(*number) : std::string();
    person.body["person_id"] = plan.person_id;
    person.body["organisation_id"] = plan.organisation_id;
    if (auto v = read(c.role, person, "/role")) person.body["role"] = *v;
    boost::json::object contact;
    if (auto v = read(c.name, person, "/contact/name")) contact["name"] = *v;
    if (auto v = read(c.email, person, "/contact/email")) {
      if (!looks_like_email(*v)) errors.push_back({c.email.column, "/contact/email", "not an e-mail address"});
      contact["email"] = *v;
    }
    if (auto v = read(c.phone, person, "/contact/phone")) contact["phone"] = *v;
    person.body["contact"] = std::move(contact);
    plan.register_contact_person = std::move(person);
  }

  // The form's answers.
  form.body["call_id"] = call_id_;
  if (number) form.body["registration_number"] = *number;
  if (plan.received_at != time::Instant{}) form.body["received_at"] = time::format_local(plan.received_at, zone_);
  boost::json::object answers;
  for (const auto& a : mapping_.answers) {
    std::string path = "/answers";
    json::append_pointer_token(path, a.key);
    auto v = read(a.source, form, path);
    if (!v) {
      answers[a.key] = nullptr;
      continue;
    }
    switch (a.type) {
      case AnswerType::text:
        answers[a.key] = *v;
        break;
      case AnswerType::integer: {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
        if (ec != std::errc() || end != v->data() + v->size()) {
          errors.push_back({a.source.column, path, "'" + *v + "' is not a whole number"});
        }
        answers[a.key] = n;
        break;
      }
      case AnswerType::list: {
        boost::json::array items;
        std::string_view rest = *v;
        while (true) {
          const auto at = rest.find(a.source.split);
          auto item = trim(rest.substr(0, at));
          if (!item.empty()) items.emplace_back(item);
          if (at == std::string_view::npos) break;
          rest.remove_prefix(at + a.source.split.size());
        }
        answers[a.key] = std::move(items);
        break;
      }
    }
  }
  form.body["answers"] = std::move(answers);
  return plan;
}

}  // namespace sijill::importer
