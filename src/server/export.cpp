// GET /v1/audit/export?format=csv|jsonl[&from=P&to=P]: the evidence pack (docs/evidence-pack.md).
//
// The pack is written on a worker thread into a private temporary folder (the events from..to as
// hashed, the tables and the report from the read model as of `to`), packed into one ZIP archive
// (format=csv, the default) or reduced to the events file (format=jsonl), then recorded in the
// log (RecordAuditExport, run for the caller through the command processor), and only once that
// event is durable sent as a file, which is removed as soon as it is open for sending.
#include <stdlib.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "api.h"
#include "query.h"
#include "sijill/domain/schemas.h"
#include "sijill/evidence/archive.h"
#include "sijill/evidence/audit.h"
#include "sijill/evidence/pack.h"

namespace sijill::server {

namespace {

constexpr int kMaxExports = 2;  // packs being written at once

// A temporary folder (mode 0700), removed with everything in it when this goes.
class TempDir {
 public:
  static Result<std::filesystem::path> make() {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) return Status::unavailable("no temporary folder: " + ec.message());
    auto pattern = (base / "sijill-export-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return Status::unavailable("cannot create a temporary folder: " + std::string(std::strerror(errno)));
    }
    return std::filesystem::path(pattern);
  }
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A new, empty temporary file readable by this user only, named with `suffix`.
Result<std::filesystem::path> temp_file(const std::string& suffix) {
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) return Status::unavailable("no temporary folder: " + ec.message());
  auto pattern = (base / ("sijill-export-XXXXXX" + suffix)).string();
  const int fd = ::mkstemps(pattern.data(), static_cast<int>(suffix.size()));
  if (fd < 0) return Status::unavailable("cannot create a temporary file: " + std::string(std::strerror(errno)));
  ::close(fd);
  return std::filesystem::path(pattern);
}

}  // namespace

void Api::audit_export(const ApiRequest& request, const domain::Actor& actor, Done done) {
  const std::string route = "/v1/audit/export";
  static const auto spec = evidence::record_export_spec();
  if (!spec) {
    done(problem(spec.status(), route));
    return;
  }
  if (!services_.policy->may_run(actor, *spec)) {
    done(problem(
        Status::permission_denied("the evidence export is for auditors and admins, not for the role " + actor.role),
        route));
    return;
  }
  auto url = boost::urls::parse_origin_form(request.target);
  if (!url) {
    done(problem(Status::invalid_argument("the request target is not a valid path and query"), route));
    return;
  }
  std::string format = query_string(*url, "format");
  if (format.empty()) format = "csv";
  if (format != "csv" && format != "jsonl") {
    done(problem(Status::invalid_argument("unknown export format", {{"/format", "must be csv or jsonl"}}), route));
    return;
  }
  const bool whole = format == "csv";
  auto from = query_u64(*url, "from");
  auto to = query_u64(*url, "to");
  if (!from || !to) {
    done(problem(!from ? from.status() : to.status(), route));
    return;
  }
  if (shutting_down_) {
    done(problem(Status::unavailable("the server is shutting down"), route));
    return;
  }
  if (!services_.processor->knows(evidence::kRecordAuditExport)) {
    done(problem(Status::unavailable("this server cannot record exports (RecordAuditExport is not decided)"), route));
    return;
  }
  if (whole && services_.projections == nullptr) {
    done(problem(Status::unavailable("the read models are not loaded"), route));
    return;
  }
  auto resolved = evidence::resolve_range(*from, *to, services_.store->head().position);
  if (!resolved) {
    done(problem(resolved.status(), route));
    return;
  }
  if (exporting_.fetch_add(1) >= kMaxExports) {
    --exporting_;
    done(problem(Status::unavailable("two evidence packs are being written already; retry later"), route));
    return;
  }
  const std::string correlation = request.correlation_id.empty() ? request.request_id : request.correlation_id;
  std::lock_guard lock(workers_mu_);
  workers_.emplace_back(
      [this, route, actor, whole, format, range = *resolved, correlation, done = std::move(done)]() mutable {
        auto fail = [&](const Status& st) {
          --exporting_;
          done(problem(st, route));
        };
        auto dir = TempDir::make();
        if (!dir) return fail(dir.status());
        TempDir work(*dir);

        projections::SnapshotPtr snapshot;
        if (whole) {
          auto current = services_.projections->current();
          if (current->position() == range.to) {
            snapshot = current;
          } else {
            auto past = services_.projections->as_of(range.to);
            if (!past) return fail(past.status());
            snapshot = *past;
          }
        }
        evidence::PackOptions options;
        options.range = range;
        options.contents = whole ? evidence::Contents::full : evidence::Contents::events_only;
        options.via = "api";
        options.exported_by = actor;
        options.recorded = true;
        options.keys = services_.keys;
        auto pack = evidence::write_pack(*services_.store, whole ? &snapshot->model() : nullptr, options, work.path());
        if (!pack) return fail(pack.status());

        // The file to send, outside the folder (which goes when this returns).
        const std::string name =
            "sijill-evidence-" + std::to_string(range.from) + "-" + std::to_string(range.to) + (whole ? "" : "-events");
        auto file = temp_file(whole ? ".zip" : ".jsonl");
        if (!file) return fail(file.status());
        if (whole) {
          std::vector<std::string> names;
          for (const auto& f : pack->files) names.push_back(f.name);
          if (auto st = evidence::write_zip(work.path(), names, name, std::chrono::system_clock::now(), *file); !st) {
            std::error_code ec;
            std::filesystem::remove(*file, ec);
            return fail(st);
          }
        } else {
          std::error_code ec;
          std::filesystem::permissions(work.path() / "events.jsonl",
                                       std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
          std::filesystem::rename(work.path() / "events.jsonl", *file, ec);
          if (ec) {
            std::filesystem::remove(*file, ec);
            return fail(Status::unavailable("cannot move the events file: " + ec.message()));
          }
        }

        // Recorded before it is sent: who took which records, at which head, and their digest.
        boost::json::object data{{"export_id", pack->export_id},
                                 {"format", format},
                                 {"from", range.from},
                                 {"to", range.to},
                                 {"last_hash", pack->last_hash},
                                 {"head_position", pack->head.position},
                                 {"head_hash", store::to_hex(pack->head.hash)},
                                 {"events", range.count()},
                                 {"events_sha256", pack->events_sha256}};
        if (whole) data["manifest_sha256"] = pack->manifest_sha256;
        if (auto valid = domain::validate(*spec->schema, data); !valid) {
          std::error_code ec;
          std::filesystem::remove(*file, ec);
          return fail(Status::internal("the export record breaks its schema: " + valid.to_string()));
        }
        processor::CommandCall call;
        call.name = std::string(evidence::kRecordAuditExport);
        call.body = boost::json::serialize(data);
        call.data = std::move(data);
        call.actor = actor;
        call.correlation_id = correlation;
        --exporting_;
        services_.processor->submit(
            std::move(call), [route, whole, name, file = *file, export_id = pack->export_id,
                              events_sha256 = pack->events_sha256, manifest_sha256 = pack->manifest_sha256,
                              done = std::move(done)](Result<processor::CommandOutcome> outcome) mutable {
              if (!outcome) {
                std::error_code ec;
                std::filesystem::remove(file, ec);
                done(problem(outcome.status(), route));
                return;
              }
              ApiResponse r;
              r.status = 200;
              r.route = route;
              r.content_type = whole ? "application/zip" : "application/x-ndjson; charset=utf-8";
              r.file = file;
              r.remove_file = true;
              r.headers.emplace_back("Content-Disposition",
                                     "attachment; filename=\"" + name + (whole ? ".zip" : ".jsonl") + "\"");
              r.headers.emplace_back("Cache-Control", "no-store");
              r.headers.emplace_back("X-Content-Type-Options", "nosniff");
              r.headers.emplace_back("X-Export-Id", export_id);
              r.headers.emplace_back("X-Events-SHA256", events_sha256);
              if (whole) r.headers.emplace_back("X-Manifest-SHA256", manifest_sha256);
              r.headers.emplace_back("X-Recorded-Position", std::to_string(outcome->position));
              done(std::move(r));
            });
      });
}

}  // namespace sijill::server
