#include "sijill/importer/import.h"

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>
#include <sstream>

#include "sijill/programme/programme.h"

namespace sijill::importer {

namespace {

// Errors that no later row can avoid: stop the import.
bool stops_import(Code code) {
  return code == Code::unavailable || code == Code::unauthenticated || code == Code::permission_denied ||
         code == Code::internal || code == Code::data_loss;
}

bool bool_of(const boost::json::object& o, std::string_view key, bool fallback = false) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_bool() ? v->get_bool() : fallback;
}

std::string text_of(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Records a refusal of `command` on the row.
void refuse(RowReport& row, const PlannedCommand& command, const Status& st) {
  row.outcome = RowOutcome::refused;
  row.refused_by = command.name;
  row.problem = "/problems/" + std::string(st.rule());
  if (st.violations().empty()) {
    row.errors.push_back({"", "", std::string(st.message())});
  } else {
    for (const auto& v : st.violations()) row.errors.push_back({command.column_of(v.path), v.path, v.message});
    if (st.message() != "the body does not match its schema") {
      row.errors.insert(row.errors.begin(), FieldError{"", "", std::string(st.message())});
    }
  }
}

const processor::CommandSpec* find_spec(const std::vector<processor::CommandSpec>& specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string_view to_string(RowOutcome outcome) {
  switch (outcome) {
    case RowOutcome::imported:
      return "imported";
    case RowOutcome::superseding:
      return "superseding";
    case RowOutcome::already_imported:
      return "already-imported";
    case RowOutcome::refused:
      return "refused";
    case RowOutcome::valid:
      return "valid";
    case RowOutcome::not_run:
      return "not-run";
  }
  return "not-run";
}

Result<ImportReport> import_rows(const Planner& planner, const std::vector<CsvRecord>& records, CommandRunner& runner,
                                 const ImportOptions& options) {
  ImportReport report;
  report.format = planner.mapping().format;
  report.call_id = planner.call_id();
  report.writer = runner.describe();
  report.dry_run = options.dry_run;

  auto specs = programme::ami_command_specs();
  if (!specs) return specs.status();

  const auto call_stream = "call/" + planner.call_id();
  auto open = runner.has_stream(call_stream);
  if (!open) return open.status();
  if (!*open) {
    return Status::not_found(
        "the call " + planner.call_id() +
        " is not open: open it first (sijill command OpenCall --body schemas/programmes/cap-2026.json)");
  }
  auto organisations = runner.organisations();
  if (!organisations) return organisations.status();
  auto recorded = runner.recorded_forms(planner.call_id());
  if (!recorded) return recorded.status();
  std::map<std::pair<std::string, time::Instant>, std::string> forms;  // (number, received_at) -> application
  for (const auto& f : *recorded) forms.emplace(std::pair{f.registration_number, f.received_at}, f.application_id);
  std::map<std::string, std::size_t> registered_on_line;  // organisations registered by this import
  // A dry run: the contact persons earlier rows would register; through a server (its dry runs
  // do not see one another), also the organisations and forms, by registration number.
  std::set<std::string> persons_planned;
  std::set<std::string> organisations_pending;
  std::set<std::string> forms_pending;

  // Plan every row, and check its commands against their schemas.
  std::vector<RowPlan> plans;
  report.rows.resize(records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto plan = planner.plan(records[i]);
    auto& row = report.rows[i];
    row.line = plan.line;
    row.registration_number = plan.registration_number;
    row.legal_name = plan.legal_name;
    row.organisation_id = plan.organisation_id;
    row.person_id = plan.person_id;
    row.submitted_at = plan.submitted_local;
    if (plan.received_at != time::Instant{}) row.received_at = time::format_utc(plan.received_at);
    if (!plan.ok()) {
      row.outcome = RowOutcome::refused;
      row.refused_by = "mapping";
      row.problem = "/problems/" + std::string(to_string(Code::invalid_argument));
      row.errors = std::move(plan.errors);
      plans.push_back(std::move(plan));
      continue;
    }
    std::vector<const PlannedCommand*> commands{&plan.register_organisation};
    if (plan.register_contact_person) commands.push_back(&*plan.register_contact_person);
    commands.push_back(&plan.receive_form);
    for (const auto* c : commands) {
      const auto* spec = find_spec(*specs, c->name);
      if (spec == nullptr) return Status::internal("no spec for " + c->name);
      if (auto valid = validate_command(*spec, c->body); !valid) {
        refuse(row, *c, valid);
        row.refused_by = "schema of " + c->name;
      }
    }
    plans.push_back(std::move(plan));
  }

  // The rows to run, in order of submission time.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (report.rows[i].outcome != RowOutcome::refused) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return plans[a].received_at < plans[b].received_at; });

  std::size_t done = records.size() - order.size();
  for (auto i : order) {
    auto& plan = plans[i];
    auto& row = report.rows[i];
    if (report.stopped) break;
    if (options.progress) options.progress(done, records.size());
    ++done;

    const auto known = organisations->find(plan.registration_number);
    // A dry run through a server decides each command against what is recorded: the commands
    // that need an organisation this dry run would register cannot be decided.
    const bool apart = options.dry_run && !runner.dry_runs_chain();

    RunOptions run;
    run.correlation_id = options.correlation_id;
    std::optional<boost::json::object> form_data;  // a dry run: the data of the FormReceived it would append
    auto send = [&](const PlannedCommand& c, std::optional<std::uint64_t> if_match = std::nullopt) {
      run.idempotency_key = c.idempotency_key;
      run.if_match = if_match;
      const auto body = boost::json::serialize(c.body);
      Result<CommandReply> reply = Status::internal("not run");
      if (options.dry_run) {
        auto dry = runner.dry_run(c.name, body, run);
        if (dry) {
          CommandReply r;
          r.replayed = dry->replayed;
          r.events = std::move(dry->first_events);
          for (auto& e : dry->events) {
            r.events.push_back({0, e.stream, 0, e.type});
            if (e.type == "FormReceived") form_data = std::move(e.data);
          }
          if (!r.replayed) row.would_append += dry->events.size();
          reply = std::move(r);
        } else {
          reply = dry.status();
        }
      } else {
        reply = runner.run(c.name, body, run);
        if (reply && !reply->replayed) row.appended += reply->events.size();
      }
      if (!reply && stops_import(reply.status().code())) report.stopped = reply.status();
      return reply;
    };
    const std::string would = options.dry_run ? "would be " : "";

    // 1. The organisation.
    std::string organisation_id;
    if (known != organisations->end()) {
      organisation_id = known->second;
      auto by = registered_on_line.find(plan.registration_number);
      if (options.dry_run && by != registered_on_line.end()) {
        row.notes.push_back("organisation " + organisation_id + " would be registered by line " +
                            std::to_string(by->second) + " of this file");
      } else {
        row.notes.push_back("organisation " + organisation_id + " already registered" +
                            (by != registered_on_line.end() ? " (line " + std::to_string(by->second) + " of this file)"
                                                            : std::string()));
      }
    } else {
      auto reply = send(plan.register_organisation);
      if (reply) {
        organisation_id = plan.organisation_id;
        row.notes.push_back(
            "organisation " + organisation_id +
            (reply->replayed ? " already registered (this row, imported before)" : " " + would + "registered"));
        (*organisations)[plan.registration_number] = organisation_id;
        registered_on_line[plan.registration_number] = row.line;
        if (apart && !reply->replayed) organisations_pending.insert(plan.registration_number);
      } else if (reply.status().code() == Code::conflict) {
        // Registered meanwhile, or under another id: read the register again.
        auto again = runner.organisations();
        if (!again) {
          report.stopped = again.status();
          refuse(row, plan.register_organisation, again.status());
          continue;
        }
        *organisations = std::move(again).value();
        auto found = organisations->find(plan.registration_number);
        if (found == organisations->end()) {
          refuse(row, plan.register_organisation, reply.status());
          continue;
        }
        organisation_id = found->second;
        row.notes.push_back("organisation " + organisation_id + " already registered");
      } else {
        refuse(row, plan.register_organisation, reply.status());
        continue;
      }
    }
    row.organisation_id = organisation_id;
    const bool organisation_pending = organisations_pending.count(plan.registration_number) > 0;
    const std::string not_decided =
        " (not decided: the server decides each command of a dry run against what is "
        "recorded, and organisation " +
        organisation_id + " is not registered yet)";

    // 2. The contact person (sealed by the command path).
    bool has_person = false;
    if (plan.register_contact_person) {
      auto& person = *plan.register_contact_person;
      person.body["organisation_id"] = organisation_id;
      auto exists = runner.has_stream("person/" + plan.person_id);
      if (!exists) {
        report.stopped = exists.status();
        refuse(row, person, exists.status());
        continue;
      }
      has_person = *exists;
    }
    if (plan.register_contact_person && persons_planned.count(plan.person_id) > 0) {
      row.notes.push_back("contact person " + plan.person_id + " would be registered by an earlier row");
    } else if (plan.register_contact_person && has_person) {
      row.notes.push_back("contact person " + plan.person_id + " already registered (not registered again)");
    } else if (plan.register_contact_person && organisation_pending) {
      row.notes.push_back("contact person " + plan.person_id + " would be registered" + not_decided);
      persons_planned.insert(plan.person_id);
    } else if (plan.register_contact_person) {
      auto& person = *plan.register_contact_person;
      auto reply = send(person);
      if (reply) {
        row.notes.push_back("contact person " + plan.person_id +
                            (reply->replayed ? " already registered (this row, imported before)"
                                             : (options.dry_run ? " would be registered (personal data would be sealed)"
                                                                : " registered (personal data sealed)")));
        if (options.dry_run && !reply->replayed) persons_planned.insert(plan.person_id);
      } else if (reply.status().code() == Code::conflict) {
        row.notes.push_back("contact person " + plan.person_id + " already registered (not registered again)");
      } else {
        refuse(row, person, reply.status());
        if (row.appended > 0)
          row.notes.push_back(std::to_string(row.appended) + " event(s) appended before the refusal");
        continue;
      }
    }

    // 3. The form.
    if (organisation_pending) {
      row.outcome = RowOutcome::valid;
      row.notes.push_back("the form would be recorded" + not_decided);
      continue;
    }
    if (apart && forms_pending.count(plan.registration_number) > 0) {
      row.notes.push_back(
          "an earlier row of this file would record a form of this organisation first: the server decides this "
          "one without it (late and superseding as if it came first)");
    }
    const std::pair key{plan.registration_number, plan.received_at};
    const auto seen = forms.find(key);
    auto reply = send(plan.receive_form, seen != forms.end() ? std::optional<std::uint64_t>(0) : std::nullopt);
    if (!reply) {
      if (reply.status().code() == Code::version_mismatch && seen != forms.end()) {
        row.outcome = RowOutcome::already_imported;
        row.application_id = seen->second;
        row.notes.push_back("a form with this registration number and submission time is recorded already in " +
                            seen->second + " (by another user's import, or with other data): not recorded again");
        continue;
      }
      refuse(row, plan.receive_form, reply.status());
      if (reply.status().code() == Code::conflict) {
        row.errors.push_back({"", "",
                              "this row was imported before with other data (the same key, another body): "
                              "did the mapping or the row change?"});
      }
      if (row.appended > 0) row.notes.push_back(std::to_string(row.appended) + " event(s) appended before the refusal");
      continue;
    }
    const store::AppendedEvent* form_event = nullptr;
    for (const auto& e : reply->events) {
      if (e.type == "FormReceived") form_event = &e;
    }
    if (form_event == nullptr) {
      report.stopped = Status::internal("ReceiveForm appended no FormReceived event");
      continue;
    }
    row.application_id = form_event->stream.substr(form_event->stream.find('/') + 1);
    // What was recorded, or, in a dry run, what would be.
    auto data = form_data && !reply->replayed ? Result<boost::json::object>(std::move(*form_data))
                                              : runner.event_data(form_event->stream, form_event->version);
    if (!data) {
      report.stopped = data.status();
      row.outcome = reply->replayed   ? RowOutcome::already_imported
                    : options.dry_run ? RowOutcome::valid
                                      : RowOutcome::imported;
      continue;
    }
    row.application_id = text_of(*data, "application_id");
    row.late = bool_of(*data, "late");
    row.supersedes = bool_of(*data, "supersedes");
    row.effective = bool_of(*data, "effective", true);
    if (reply->replayed) {
      row.outcome = RowOutcome::already_imported;
    } else {
      row.outcome = options.dry_run   ? RowOutcome::valid
                    : *row.supersedes ? RowOutcome::superseding
                                      : RowOutcome::imported;
      if (!*row.effective) {
        row.notes.push_back("a late resubmission: " + would + "recorded, but the form received on time still counts");
      }
      if (apart) forms_pending.insert(plan.registration_number);
    }
    forms.emplace(key, row.application_id);
  }
  if (options.progress) options.progress(records.size(), records.size());
  return report;
}

std::size_t ImportReport::count(RowOutcome outcome) const {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const RowReport& r) { return r.outcome == outcome; }));
}

std::size_t ImportReport::appended() const {
  std::size_t n = 0;
  for (const auto& r : rows) n += r.appended;
  return n;
}

std::size_t ImportReport::would_append() const {
  std::size_t n = 0;
  for (const auto& r : rows) n += r.would_append;
  return n;
}

bool ImportReport::all_in() const {
  if (stopped) return false;
  return std::all_of(rows.begin(), rows.end(), [&](const RowReport& r) {
    if (dry_run) return r.outcome == RowOutcome::valid || r.outcome == RowOutcome::already_imported;
    return r.outcome == RowOutcome::imported || r.outcome == RowOutcome::superseding ||
           r.outcome == RowOutcome::already_imported;
  });
}

boost::json::object ImportReport::to_json() const {
  boost::json::array list;
  for (const auto& r : rows) {
    boost::json::object o;
    o["line"] = r.line;
    o["outcome"] = to_string(r.outcome);
    o["registration_number"] = r.registration_number;
    o["legal_name"] = r.legal_name;
    o["organisation_id"] = r.organisation_id;
    o["person_id"] = r.person_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.person_id);
    o["application_id"] = r.application_id.empty() ? boost::json::value(nullptr) : boost::json::value(r.application_id);
    o["submitted_at"] = r.submitted_at;
    o["received_at"] = r.received_at.empty() ? boost::json::value(nullptr) : boost::json::value(r.received_at);
    o["late"] = r.late ? boost::json::value(*r.late) : boost::json::value(nullptr);
    o["supersedes"] = r.supersedes ? boost::json::value(*r.supersedes) : boost::json::value(nullptr);
    o["effective"] = r.effective ? boost::json::value(*r.effective) : boost::json::value(nullptr);
    boost::json::array notes;
    for (const auto& n : r.notes) notes.emplace_back(n);
    o["notes"] = std::move(notes);
    if (r.outcome == RowOutcome::refused) {
      o["refused_by"] = r.refused_by;
      o["problem"] = r.problem;
      boost::json::array errors;
      for (const auto& e : r.errors) {
        errors.push_back(boost::json::object{
            {"column", e.column.empty() ? boost::json::value(nullptr) : boost::json::value(e.column)},
            {"path", e.path},
            {"message", e.message}});
      }
      o["errors"] = std::move(errors);
    }
    o["appended"] = r.appended;
    if (dry_run) o["would_append"] = r.would_append;
    list.push_back(std::move(o));
  }
  boost::json::object summary{{"rows", rows.size()},
                              {"imported", count(RowOutcome::imported)},
                              {"superseding", count(RowOutcome::superseding)},
                              {"already_imported", count(RowOutcome::already_imported)},
                              {"refused", count(RowOutcome::refused)},
                              {"valid", count(RowOutcome::valid)},
                              {"not_run", count(RowOutcome::not_run)},
                              {"events_appended", appended()}};
  if (dry_run) summary["events_would_append"] = would_append();
  return {{"format", format},
          {"call_id", call_id},
          {"dry_run", dry_run},
          {"domain_rules_evaluated", true},
          {"rows", std::move(list)},
          {"summary", std::move(summary)},
          {"stopped", stopped ? boost::json::value(problem_json(*stopped)) : boost::json::value(nullptr)}};
}

std::string ImportReport::to_text() const {
  std::ostringstream out;
  for (const auto& r : rows) {
    out << "line " << r.line << ": ";
    switch (r.outcome) {
      case RowOutcome::imported:
      case RowOutcome::superseding:
      case RowOutcome::already_imported:
        out << (r.outcome == RowOutcome::imported      ? "imported"
                : r.outcome == RowOutcome::superseding ? "superseding submission"
                                                       : "already imported")
            << ", " << r.application_id;
        if (r.late) out << ", late: " << (*r.late ? "true" : "false");
        break;
      case RowOutcome::refused:
        out << "refused (" << r.refused_by << ", " << r.problem << ")";
        break;
      case RowOutcome::valid:
        out << "valid (dry run)";
        if (!r.application_id.empty()) {
          out << ", would be recorded in " << r.application_id << (r.supersedes.value_or(false) ? ", superseding" : "");
        }
        if (r.late) out << ", late: " << (*r.late ? "true" : "false");
        break;
      case RowOutcome::not_run:
        out << "not run (the import stopped)";
        break;
    }
    if (!r.registration_number.empty()) out << " | " << r.registration_number;
    if (!r.legal_name.empty()) out << " " << r.legal_name;
    if (!r.submitted_at.empty()) out << " | submitted " << r.submitted_at;
    out << "\n";
    for (const auto& e : r.errors) {
      out << "    ";
      if (!e.column.empty()) out << "column \"" << e.column << "\"";
      if (!e.path.empty()) out << (e.column.empty() ? "" : " ") << "(" << e.path << ")";
      if (!e.column.empty() || !e.path.empty()) out << ": ";
      out << e.message << "\n";
    }
    for (const auto& n : r.notes) out << "    " << n << "\n";
  }
  if (stopped) out << "stopped: " << stopped->to_string() << "\n";
  out << (dry_run ? "dry run, nothing appended: " : "summary: ") << rows.size() << " rows: ";
  if (dry_run) {
    out << count(RowOutcome::valid) << " valid, " << count(RowOutcome::already_imported) << " already imported, "
        << count(RowOutcome::refused) << " refused";
    if (count(RowOutcome::not_run) > 0) out << ", " << count(RowOutcome::not_run) << " not run";
    out << "; " << would_append() << " events would be appended";
  } else {
    out << count(RowOutcome::imported) << " imported, " << count(RowOutcome::superseding) << " superseding, "
        << count(RowOutcome::already_imported) << " already imported, " << count(RowOutcome::refused) << " refused";
    if (count(RowOutcome::not_run) > 0) out << ", " << count(RowOutcome::not_run) << " not run";
    out << "; " << appended() << " events appended";
  }
  out << "\n";
  return out.str();
}

}  // namespace sijill::importer
