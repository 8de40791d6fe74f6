#include "sijill/importer/mapping.h"

#include <boost/json/parse.hpp>
#include <set>

#include "sijill/importer/csv.h"
#include "sijill/json/dom.h"
#include "sijill/json/parse.h"
#include "sijill/json/schema.h"

namespace sijill::importer {

namespace {

constexpr std::string_view kSchema = R"schema({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Import mapping (sijill import google-forms --mapping FILE)",
  "type": "object",
  "required": ["format", "submitted_at", "organisation"],
  "additionalProperties": false,
  "properties": {
    "format": {"description": "What the file is.", "const": "google-forms"},
    "description": {"description": "Free text for the reader of the mapping.", "type": "string"},
    "delimiter": {"description": "The field separator (default ',').", "type": "string", "minLength": 1, "maxLength": 1},
    "submitted_at": {
      "description": "The submission time column (Horodateur), a local time.",
      "type": "object",
      "required": ["column", "format"],
      "additionalProperties": false,
      "properties": {
        "column": {"$ref": "#/$defs/column"},
        "format": {"enum": ["DD/MM/YYYY HH:MM:SS", "DD/MM/YYYY HH:MM", "YYYY-MM-DD HH:MM:SS", "YYYY-MM-DDTHH:MM:SS"]},
        "zone": {"description": "The IANA zone it is written in (default Africa/Casablanca).", "type": "string", "minLength": 1}
      }
    },
    "organisation": {
      "type": "object",
      "required": ["legal_name", "registration_number", "registration_date", "registration_authority", "region"],
      "additionalProperties": false,
      "properties": {
        "legal_name": {"$ref": "#/$defs/field"},
        "legal_form": {"$ref": "#/$defs/field"},
        "registration_number": {"$ref": "#/$defs/field"},
        "registration_date": {"$ref": "#/$defs/field"},
        "registration_authority": {"$ref": "#/$defs/field"},
        "region": {"$ref": "#/$defs/field"},
        "province": {"$ref": "#/$defs/field"},
        "domains": {"$ref": "#/$defs/field"}
      }
    },
    "contact_person": {
      "type": "object",
      "required": ["name"],
      "additionalProperties": false,
      "properties": {
        "name": {"$ref": "#/$defs/field"},
        "email": {"$ref": "#/$defs/field"},
        "phone": {"$ref": "#/$defs/field"},
        "role": {"$ref": "#/$defs/field"}
      }
    },
    "answers": {
      "type": "array",
      "maxItems": 500,
      "items": {
        "type": "object",
        "required": ["key", "column"],
        "additionalProperties": false,
        "properties": {
          "key": {"type": "string", "minLength": 1, "maxLength": 300},
          "column": {"$ref": "#/$defs/column"},
          "type": {"enum": ["text", "integer", "list"]},
          "split": {"type": "string", "minLength": 1},
          "required": {"type": "boolean"}
        }
      }
    },
    "ignore": {"type": "array", "items": {"$ref": "#/$defs/column"}, "uniqueItems": true}
  },
  "$defs": {
    "column": {"description": "A column title, exactly as in the file's header.", "type": "string", "minLength": 1},
    "field": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "column": {"$ref": "#/$defs/column"},
        "value": {"description": "A fixed value, when the form does not ask it.", "type": "string", "minLength": 1},
        "required": {"description": "An empty cell refuses the row (default true).", "type": "boolean"},
        "format": {"enum": ["DD/MM/YYYY", "YYYY-MM-DD"]},
        "split": {"type": "string", "minLength": 1},
        "values": {"type": "object", "additionalProperties": {"type": "string", "minLength": 1}}
      },
      "oneOf": [{"required": ["column"]}, {"required": ["value"]}]
    }
  }
})schema";

const json::Schema& schema() {
  static const json::Schema compiled = [] {
    auto s = json::Schema::compile(kSchema);
    if (!s) throw std::logic_error("the mapping schema does not compile: " + s.status().to_string());
    return std::move(s).value();
  }();
  return compiled;
}

std::string text_of(const boost::json::object& o, std::string_view key, std::string fallback = {}) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : fallback;
}

FieldSource field_of(const boost::json::object& parent, std::string_view key) {
  FieldSource f;
  const auto* v = parent.if_contains(key);
  if (v == nullptr || !v->is_object()) return f;
  const auto& o = v->get_object();
  f.column = text_of(o, "column");
  if (const auto* fixed = o.if_contains("value"); fixed != nullptr && fixed->is_string()) {
    f.value = std::string(fixed->get_string());
  }
  if (const auto* r = o.if_contains("required"); r != nullptr && r->is_bool()) f.required = r->get_bool();
  f.format = text_of(o, "format");
  f.split = text_of(o, "split");
  if (const auto* values = o.if_contains("values"); values != nullptr && values->is_object()) {
    for (const auto& [k, val] : values->get_object()) {
      if (val.is_string()) f.values[std::string(k)] = std::string(val.get_string());
    }
  }
  return f;
}

// Every column a mapping reads, with the JSON Pointer of the mapping member that names it.
std::vector<std::pair<std::string, std::string>> named_columns(const Mapping& m) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const FieldSource& f, std::string pointer) {
    if (!f.column.empty()) out.emplace_back(f.column, std::move(pointer));
  };
  add(m.submitted_at, "/submitted_at/column");
  const auto& o = m.organisation;
  add(o.legal_name, "/organisation/legal_name/column");
  add(o.legal_form, "/organisation/legal_form/column");
  add(o.registration_number, "/organisation/registration_number/column");
  add(o.registration_date, "/organisation/registration_date/column");
  add(o.registration_authority, "/organisation/registration_authority/column");
  add(o.region, "/organisation/region/column");
  add(o.province, "/organisation/province/column");
  add(o.domains, "/organisation/domains/column");
  if (m.contact_person) {
    const auto& c = *m.contact_person;
    add(c.name, "/contact_person/name/column");
    add(c.email, "/contact_person/email/column");
    add(c.phone, "/contact_person/phone/column");
    add(c.role, "/contact_person/role/column");
  }
  for (std::size_t i = 0; i < m.answers.size(); ++i)
    add(m.answers[i].source, "/answers/" + std::to_string(i) + "/column");
  return out;
}

}  // namespace

std::string_view mapping_schema() { return kSchema; }

Result<Mapping> parse_mapping(std::string_view json_text) {
  auto doc = json::parse(json_text);
  if (!doc) return Status::invalid_argument("the mapping is not valid JSON", doc.status().violations());
  if (auto valid = schema().validate(*doc); !valid) {
    return Status::invalid_argument("the mapping does not match its schema (docs/import.md)", valid.violations());
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(json::to_json(doc->root()), ec);
  if (ec || !value.is_object()) return Status::internal("the mapping could not be read back");
  const auto& root = value.get_object();

  Mapping m;
  std::vector<Violation> problems;
  m.format = text_of(root, "format");
  if (auto d = text_of(root, "delimiter"); !d.empty()) m.delimiter = d.front();

  const auto& submitted = root.at("submitted_at").get_object();
  m.submitted_at = field_of(root, "submitted_at");
  m.zone = text_of(submitted, "zone", m.zone);

  const auto& org = root.at("organisation").get_object();
  auto& o = m.organisation;
  o.legal_name = field_of(org, "legal_name");
  o.legal_form = field_of(org, "legal_form");
  o.registration_number = field_of(org, "registration_number");
  o.registration_date = field_of(org, "registration_date");
  o.registration_authority = field_of(org, "registration_authority");
  o.region = field_of(org, "region");
  o.province = field_of(org, "province");
  o.domains = field_of(org, "domains");
  if (o.registration_number.column.empty()) {
    problems.push_back({"/organisation/registration_number",
                        "must name a column: the registration number matches the form to its organisation"});
  }
  if (!o.registration_date.column.empty() && o.registration_date.format.empty()) {
    problems.push_back({"/organisation/registration_date/format", "required: \"DD/MM/YYYY\" or \"YYYY-MM-DD\""});
  }

  if (const auto* c = root.if_contains("contact_person"); c != nullptr && c->is_object()) {
    ContactFields cf;
    cf.name = field_of(c->get_object(), "name");
    cf.email = field_of(c->get_object(), "email");
    cf.phone = field_of(c->get_object(), "phone");
    cf.role = field_of(c->get_object(), "role");
    for (const auto& [name, f] :
         {std::pair{"name", &cf.name}, std::pair{"email", &cf.email}, std::pair{"phone", &cf.phone}}) {
      if (f->value) {
        problems.push_back({std::string("/contact_person/") + name + "/value",
                            "personal data must come from the file, not from a fixed value"});
      }
    }
    m.contact_person = std::move(cf);
  }

  std::set<std::string> keys;
  if (const auto* answers = root.if_contains("answers"); answers != nullptr && answers->is_array()) {
    std::size_t i = 0;
    for (const auto& a : answers->get_array()) {
      const auto& ao = a.get_object();
      Answer answer;
      answer.key = text_of(ao, "key");
      answer.source.column = text_of(ao, "column");
      answer.source.split = text_of(ao, "split");
      if (const auto* r = ao.if_contains("required"); r != nullptr && r->is_bool())
        answer.source.required = r->get_bool();
      const auto type = text_of(ao, "type", "text");
      answer.type = type == "integer" ? AnswerType::integer : type == "list" ? AnswerType::list : AnswerType::text;
      if (answer.type == AnswerType::list && answer.source.split.empty()) answer.source.split = ", ";
      if (!keys.insert(answer.key).second) {
        problems.push_back({"/answers/" + std::to_string(i) + "/key", "the key '" + answer.key + "' is used twice"});
      }
      m.answers.push_back(std::move(answer));
      ++i;
    }
  }
  if (const auto* ignore = root.if_contains("ignore"); ignore != nullptr && ignore->is_array()) {
    for (const auto& c : ignore->get_array()) m.ignore.emplace_back(c.get_string());
  }
  if (!problems.empty()) return Status::invalid_argument("the mapping is not usable", std::move(problems));
  return m;
}

Result<Mapping> read_mapping_file(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return text.status();
  auto m = parse_mapping(*text);
  if (!m) {
    return Status(m.status().code(), {}, path.string() + ": " + std::string(m.status().message()),
                  m.status().violations());
  }
  return m;
}

Status check_columns(const Mapping& mapping, const std::vector<std::string>& header) {
  std::map<std::string, int, std::less<>> count;
  for (const auto& h : header) ++count[h];
  std::vector<Violation> problems;
  std::set<std::string, std::less<>> used;
  auto check = [&](const std::string& column, const std::string& pointer) {
    used.insert(column);
    auto it = count.find(column);
    if (it == count.end()) {
      problems.push_back({pointer, "the column '" + column + "' is not in the file's header"});
    } else if (it->second > 1) {
      problems.push_back({pointer, "the file's header holds the column '" + column + "' " + std::to_string(it->second) +
                                       " times: which one is meant is unclear"});
    }
  };
  for (const auto& [column, pointer] : named_columns(mapping)) check(column, pointer);
  for (std::size_t i = 0; i < mapping.ignore.size(); ++i) {
    const auto pointer = "/ignore/" + std::to_string(i);
    if (used.count(mapping.ignore[i])) {
      problems.push_back({pointer, "the column '" + mapping.ignore[i] + "' is both mapped and ignored"});
    }
    check(mapping.ignore[i], pointer);
  }
  for (const auto& [h, _] : count) {
    if (!used.count(h)) {
      problems.push_back(
          {"/ignore", "the file's column '" + h + "' is neither mapped nor ignored: map it, or list it here"});
    }
  }
  if (!problems.empty())
    return Status::invalid_argument("the mapping does not fit the file's columns", std::move(problems));
  return Status::ok();
}

}  // namespace sijill::importer
