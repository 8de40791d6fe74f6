// sijill import google-forms|documents: bring outside data in through the same checks and
// rules as the API (docs/import.md).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <iostream>

#include "commands.h"
#include "progress.h"
#include "sijill/documents/store.h"
#include "sijill/importer/csv.h"
#include "sijill/importer/import.h"
#include "sijill/importer/mapping.h"
#include "sijill/importer/plan.h"
#include "sijill/importer/runner.h"
#include "sijill/processor/command.h"
#include "sijill/server/client.h"
#include "sijill/time/zone_data.h"

namespace sijill::cli {

namespace {

struct ImportArgs {
  // where
  std::string data;
  std::string user;
  std::string role = std::string(domain::kProgrammeOfficer);
  std::string server;
  std::string token;
  bool json = false;
  bool quiet = false;
  // google-forms
  std::string call;
  std::string mapping;
  std::string csv;
  bool dry_run = false;
  // documents
  std::string application;
  std::vector<std::string> files;
  std::string kind = "complementary";
  std::string reason;
};

void add_writer_options(CLI::App* c, ImportArgs& a) {
  c->add_option("--data", a.data, "The data folder (written directly when no server holds it)");
  c->add_option("--as", a.user, "The registered user who imports (with --data)");
  c->add_option("--role", a.role, "The role the user acts in (default programme_officer)");
  c->add_option("--server", a.server, "The running server's URL (http://host:port)");
  c->add_option("--token", a.token, "A bearer token, to go through the server's API");
  c->add_flag("--json", a.json, "Print a machine-readable report");
  c->add_flag("--quiet", a.quiet, "No progress line");
}

importer::WriterChoice choice_of(const ImportArgs& a, bool read_only) {
  importer::WriterChoice c;
  c.local.dir = a.data;
  c.local.user = a.user;
  c.local.role = a.role;
  c.local.read_only = read_only;
  c.server = a.server;
  c.token = a.token;
  return c;
}

int import_google_forms(const ImportArgs& a) {
  auto fail = [](std::string_view message, int code, const std::vector<Violation>& violations = {}) {
    std::cerr << "sijill import google-forms: " << message << "\n";
    for (const auto& v : violations) std::cerr << "  " << (v.path.empty() ? "/" : v.path) << ": " << v.message << "\n";
    return code;
  };
  if (!a.data.empty() && a.user.empty()) return fail("--data needs --as USER (a registered user)", kExitUsage);
  // Submission times are resolved locally: on stale zone data every one after 20 Sep 2026
  // would be an hour wrong.
  if (auto zone = time::check_zone_data(); !zone) return fail(zone.message(), kExitUsage);

  auto mapping = importer::read_mapping_file(a.mapping);
  if (!mapping) return fail(mapping.status().message(), kExitUsage, mapping.status().violations());
  auto table = importer::read_csv_file(a.csv, {mapping->delimiter});
  if (!table) return fail(a.csv + ": " + std::string(table.status().message()), kExitUsage);
  auto planner = importer::Planner::create(*mapping, table->header, a.call);
  if (!planner) return fail(planner.status().message(), kExitUsage, planner.status().violations());

  std::string notice;
  auto runner = importer::open_runner(choice_of(a, a.dry_run), notice);
  if (!runner) return fail(runner.status().message(), kExitUsage);
  if (!notice.empty()) std::cerr << "sijill import google-forms: " << notice << "\n";

  Progress progress("importing", table->records.size(), a.quiet);
  importer::ImportOptions options;
  options.dry_run = a.dry_run;
  options.correlation_id = "import-" + boost::uuids::to_string(boost::uuids::random_generator()());
  options.progress = [&](std::size_t done, std::size_t) { progress.update(done); };
  auto report = importer::import_rows(*planner, table->records, **runner, options);
  progress.finish();
  if (!report) return fail(report.status().message(), kExitFailed, report.status().violations());

  if (a.json) {
    auto o = report->to_json();
    o["file"] = a.csv;
    o["writer"] = report->writer;
    o["correlation_id"] = a.dry_run ? boost::json::value(nullptr) : boost::json::value(options.correlation_id);
    std::cout << boost::json::serialize(o) << std::endl;
  } else {
    std::cout << "import of " << a.csv << " into call " << a.call << " by " << report->writer << "\n"
              << report->to_text();
    std::cout.flush();
  }
  return report->all_in() ? kExitOk : kExitFailed;
}

int import_documents(const ImportArgs& a) {
  auto fail = [](std::string_view message, int code) {
    std::cerr << "sijill import documents: " << message << "\n";
    return code;
  };
  if (!a.data.empty() && a.user.empty()) return fail("--data needs --as USER (a registered user)", kExitUsage);
  if (a.role != domain::kProgrammeOfficer && a.role != domain::kAdmin) {
    return fail("documents are stored by a programme officer or an admin, not by the role " + a.role, kExitUsage);
  }
  std::string notice;
  auto runner = importer::open_runner(choice_of(a, false), notice);
  if (!runner) return fail(runner.status().message(), kExitUsage);
  if (!notice.empty()) std::cerr << "sijill import documents: " << notice << "\n";
  auto exists = (*runner)->has_stream("application/" + a.application);
  if (!exists) return fail(exists.status().message(), kExitFailed);
  if (!*exists) return fail("no application " + a.application, kExitFailed);

  const bool online = dynamic_cast<importer::ApiRunner*>(runner->get()) != nullptr;
  boost::json::array stored;
  for (const auto& file : a.files) {
    boost::json::object entry{{"name", std::filesystem::path(file).filename().string()}};
    if (!online) {
      documents::DocumentStore documents(a.data);
      auto doc = documents.put_file(file);
      if (!doc) return fail(file + ": " + std::string(doc.status().message()), kExitFailed);
      entry["sha256"] = doc->sha256;
      entry["size"] = doc->size;
      entry["path"] = doc->path.string();
      entry["already_stored"] = doc->already_stored;
    } else {
      auto bytes = importer::read_file(file);
      if (!bytes) return fail(bytes.status().message(), kExitFailed);
      if (bytes->size() > documents::kMaxDocumentBytes) return fail(file + " is over 50 MiB", kExitFailed);
      const auto digest = store::to_hex(processor::sha256(*bytes));
      const std::uint64_t size = bytes->size();
      auto res =
          server::http_request(a.server, "PUT", "/v1/documents",
                               {{"Authorization", "Bearer " + a.token}, {"Content-Type", "application/octet-stream"}},
                               std::move(bytes).value());
      if (!res) return fail(res.status().message(), kExitFailed);
      if (res->status == 404 || res->status == 405) {
        return fail(
            "the server at " + a.server +
                " has no PUT /v1/documents: stop it and store the files on its data folder (--data DIR --as USER)",
            kExitUsage);
      }
      if (res->status != 200 && res->status != 201) {
        return fail(file + ": " + importer::status_from_problem(res->status, res->body).to_string(), kExitFailed);
      }
      boost::system::error_code ec;
      auto reply = boost::json::parse(res->body, ec);
      const auto* sha = !ec && reply.is_object() ? reply.get_object().if_contains("sha256") : nullptr;
      if (sha == nullptr || !sha->is_string() || sha->get_string() != digest) {
        return fail(file + ": the server's digest does not match the file's SHA-256 " + digest, kExitFailed);
      }
      entry["sha256"] = digest;
      entry["size"] = size;
    }
    stored.push_back(std::move(entry));
  }
  // Cite them on the application (AttachDocuments): the chain then vouches for their bytes. The
  // idempotency key is made of the application and the digests, so a repeat appends nothing.
  boost::json::array cited;
  std::string key_material = a.application;
  for (const auto& d : stored) {
    const auto& o = d.get_object();
    cited.push_back(boost::json::object{
        {"sha256", o.at("sha256")}, {"kind", a.kind}, {"name", o.at("name")}, {"size", o.at("size")}});
    key_material += "/" + std::string(o.at("sha256").get_string()) + ":" + a.kind;
  }
  importer::RunOptions run_options;
  run_options.idempotency_key = "documents-" + store::to_hex(processor::sha256(key_material)).substr(0, 40);
  const boost::json::object command{{"application_id", a.application}, {"documents", cited}, {"reason", a.reason}};
  auto reply = (*runner)->run("AttachDocuments", boost::json::serialize(command), run_options);
  if (!reply) return fail("the files are stored, but citing them failed: " + reply.status().to_string(), kExitFailed);
  const std::string note = "stored and cited on the application (AttachDocuments)";
  if (a.json) {
    std::cout << boost::json::serialize(boost::json::object{{"application_id", a.application},
                                                            {"documents", std::move(stored)},
                                                            {"recorded", true},
                                                            {"note", note}})
              << std::endl;
  } else {
    for (const auto& d : stored) {
      const auto& o = d.get_object();
      std::cout << std::string_view(o.at("sha256").get_string()) << "  " << o.at("size").to_number<std::uint64_t>()
                << "  " << std::string_view(o.at("name").get_string()) << "\n";
    }
    std::cerr << "sijill import documents: " << stored.size() << " file(s) for " << a.application << " " << note
              << "\n";
  }
  return kExitOk;
}

}  // namespace

Command add_import(CLI::App& app) {
  auto args = std::make_shared<ImportArgs>();
  auto* sub = app.add_subcommand("import", "Bring outside data in, through the same checks and rules as the API");
  sub->require_subcommand(1);

  auto* forms = sub->add_subcommand("google-forms", "Import a Google Forms export (CSV) of the AMI's online form");
  add_writer_options(forms, *args);
  forms->add_option("--call", args->call, "The call the forms answer (AMI-2026)")->required();
  forms->add_option("--mapping", args->mapping, "The mapping file (JSON): which column is which field")->required();
  forms->add_flag("--dry-run", args->dry_run,
                  "Decide every row by the rules as the import would, append nothing");
  forms->add_option("responses", args->csv, "The CSV export")->required();

  auto* documents = sub->add_subcommand("documents", "Store files content-addressed (SHA-256) for an application");
  add_writer_options(documents, *args);
  documents->add_option("--application", args->application, "The application (APP-0001)")->required();
  documents->add_option("--kind", args->kind, "What the documents are (default complementary)");
  documents->add_option("--reason", args->reason, "Why they are attached (recorded with them)")->required();
  documents->add_option("files", args->files, "The files")->required();

  return {sub, [args, forms, documents] {
            if (forms->parsed()) return import_google_forms(*args);
            if (documents->parsed()) return import_documents(*args);
            return kExitUsage;
          }};
}

}  // namespace sijill::cli
