#include "sijill/evidence/pack.h"

#include <openssl/evp.h>

#include <boost/json.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "sijill/evidence/report.h"
#include "sijill/evidence/tables.h"
#include "sijill/projections/views.h"
#include "sijill/store/key_store.h"
#include "sijill/time/instant.h"

namespace sijill::embedded {
// The checker built into the binary (src/evidence/CMakeLists.txt, cmake/Embed.cmake).
const std::map<std::string_view, std::string_view>& evidence_files();
}  // namespace sijill::embedded

namespace sijill::evidence {

namespace json = boost::json;

namespace {

const std::string kZeroHex(64, '0');

// SHA-256 over bytes fed in pieces (OpenSSL EVP).
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void update(std::string_view bytes) { EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &n);
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
      out += kDigits[digest[i] >> 4];
      out += kDigits[digest[i] & 15];
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
};

// A file of the pack being written: its bytes go to disk and into its digest.
class OutFile {
 public:
  explicit OutFile(const std::filesystem::path& path) : path_(path), out_(path, std::ios::binary | std::ios::trunc) {}
  bool ok() const { return bool(out_); }
  void write(std::string_view bytes) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    sha_.update(bytes);
    size_ += bytes.size();
  }
  // Closes the file; unavailable, naming it, when anything failed.
  Status close() {
    out_.close();
    if (!out_) return Status::unavailable("cannot write " + path_.string());
    return Status::ok();
  }
  std::string sha256() { return sha_.hex(); }
  std::uint64_t size() const { return size_; }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
  Sha256 sha_;
  std::uint64_t size_ = 0;
};

Status write_whole(const std::filesystem::path& dir, const std::string& name, std::string_view bytes,
                   std::string description, std::optional<std::uint64_t> rows, PackResult& result) {
  OutFile f(dir / name);
  if (!f.ok()) return Status::unavailable("cannot write " + (dir / name).string());
  f.write(bytes);
  if (auto st = f.close(); !st) return st;
  result.files.push_back({name, std::move(description), f.sha256(), f.size(), rows});
  return Status::ok();
}

// JSON for people: two spaces a level, an array of scalars on one line.
void pretty(const json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) + 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [k, x] : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + json::serialize(json::value(json::string(k))) + ": ";
      pretty(x, out, indent + 2);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "}";
    return;
  }
  if (v.is_array() && !v.get_array().empty()) {
    bool scalars = true;
    for (const auto& x : v.get_array()) scalars = scalars && !x.is_object() && !x.is_array();
    if (scalars) {
      out += "[";
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ", ";
        first = false;
        out += json::serialize(x);
      }
      out += "]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const auto& x : v.get_array()) {
      if (!first) out += ",\n";
      first = false;
      out += pad;
      pretty(x, out, indent + 2);
    }
    out += "\n" + std::string(static_cast<std::size_t>(indent), ' ') + "]";
    return;
  }
  out += json::serialize(v);
}

std::string check_command(const PackResult& r) {
  return "python3 verify_chain.py --head " + std::to_string(r.range.to) + ":" + r.last_hash + " events.jsonl";
}

std::string readme(const PackResult& r, const PackOptions& o) {
  std::string t;
  auto line = [&](const std::string& s = {}) { t += s + "\r\n"; };
  line("CAP+ -- registre sijill : dossier de preuves / evidence pack");
  line("Cofinancé par l'Union européenne / Co-funded by the European Union");
  line();
  line("Export " + r.export_id + ", produit le (generated) " + r.generated_at + " (UTC)");
  line("Événements (events) : positions " + std::to_string(r.range.from) + " à (to) " + std::to_string(r.range.to) +
       " ; tête du journal (log head) : " + std::to_string(r.head.position) + " " + store::to_hex(r.head.hash));
  if (o.recorded) {
    line("Cet export est enregistré dans le journal (event AuditExportRecorded, stream audit/exports),");
    line(
        "avec l'empreinte SHA-256 de manifest.json. (This export is recorded in the log with manifest.json's "
        "SHA-256.)");
  } else {
    line("Cet export n'est pas enregistré dans le journal (not recorded in the log): " + o.not_recorded_reason);
  }
  line();
  line("1. Vérifier la chaîne sans sijill (check the hash chain without sijill; Python 3, standard library):");
  line();
  line("     " + check_command(r));
  line();
  line("   ou simplement (or simply): python3 verify_chain.py events.jsonl");
  line("   Sortie 0 et \"chain: ok\" quand chaque enregistrement tient ; sinon la première position fausse.");
  line("   (Exit 0 and \"chain: ok\" when every record holds; otherwise the first bad position is named.)");
  if (r.range.from > 1) {
    line("   Le premier enregistrement exporté suit l'empreinte (the first record follows the hash) " +
         r.first_prev_hash + ".");
  }
  line();
  line("2. Vérifier chaque fichier (check every file): sha256sum -c SHA256SUMS");
  line("   manifest.json donne aussi l'empreinte, la taille et le nombre de lignes de chaque fichier.");
  line("   (manifest.json also lists each file's SHA-256, size and row count.)");
  line();
  line("3. Le format des enregistrements (the record format): docs/chain-format.md du projet sijill;");
  line("   chaque ligne de events.jsonl est l'enregistrement exact, tel qu'il a été haché, suivi de son empreinte.");
  line(
      "   (each line of events.jsonl is the record exactly as hashed, with its hash inserted before the final brace.)");
  line();
  line("Fichiers (files):");
  for (const auto& f : r.files) line("  " + f.name + " -- " + f.description);
  line("  README.txt -- ce fichier (this file)");
  line("  manifest.json -- comptes, plage, tête, empreintes, versions (counts, range, head, digests, versions)");
  line("  SHA256SUMS -- empreintes de tous les fichiers (every file's SHA-256, for sha256sum -c)");
  line();
  line("Les fichiers CSV s'ouvrent dans Excel (France) et LibreOffice : UTF-8 avec BOM, séparateur ';', fins de");
  line("ligne CRLF ; une cellule qui commencerait par = + - @ est précédée d'une apostrophe (jamais une formule).");
  line("(CSV files: UTF-8 with BOM, ';' separator, CRLF; cells beginning with = + - @ get a leading apostrophe.)");
  line();
  line("Données personnelles (personal data): aucune clé, aucune donnée personnelle en clair. Les valeurs scellées");
  line("restent scellées dans events.jsonl ; personal_data.csv dit où elles sont et si elles sont effacées.");
  line("(No key and no plaintext personal data: sealed values stay sealed; personal_data.csv says where they are");
  line("and whether the person was erased.)");
  return t;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 s;
  s.update(bytes);
  return s.hex();
}

std::string_view embedded_checker() {
  const auto& files = embedded::evidence_files();
  auto it = files.find("tools/verify_chain.py");
  return it == files.end() ? std::string_view() : it->second;
}

std::string_view tool_version() { return SIJILL_VERSION; }

Result<Range> resolve_range(std::optional<std::uint64_t> from, std::optional<std::uint64_t> to, std::uint64_t head) {
  Range r;
  r.from = from.value_or(1);
  r.to = to.value_or(head);
  if (r.from == 0) return Status::invalid_argument("positions start at 1", {{"/from", "must be at least 1"}});
  if (r.to > head) {
    return Status::invalid_argument("the log ends at position " + std::to_string(head),
                                    {{"/to", "must be at most the head (" + std::to_string(head) + ")"}});
  }
  if (head == 0 && !from && !to) return r;  // an empty log: an empty export
  if (r.from > r.to) {
    return Status::invalid_argument("the range is empty",
                                    {{"/from", "must be at most to (" + std::to_string(r.to) + ")"}});
  }
  return r;
}

std::string manifest_json(const PackResult& r, const PackOptions& o, const projections::Model* model) {
  json::object m;
  m["pack"] = "sijill evidence pack";
  m["pack_version"] = kPackVersion;
  m["export_id"] = r.export_id;
  m["generated_at"] = r.generated_at;
  m["generated_at_local"] = projections::local_time(r.generated_at);
  json::object by{{"tool", "sijill " + std::string(tool_version())}, {"via", o.via}};
  by["actor"] = o.exported_by ? json::value(json::object{{"id", o.exported_by->id}, {"role", o.exported_by->role}})
                              : json::value();
  m["generated_by"] = std::move(by);
  m["recorded"] = o.recorded;
  if (o.recorded) {
    m["recorded_as"] = json::object{{"command", "RecordAuditExport"},
                                    {"event", "AuditExportRecorded"},
                                    {"stream", "audit/exports"},
                                    {"match", "the event's export_id and manifest_sha256 are this file's"}};
  } else {
    m["not_recorded_reason"] = o.not_recorded_reason;
  }
  m["range"] = json::object{{"from", r.range.from},
                            {"to", r.range.to},
                            {"count", r.range.count()},
                            {"first_prev_hash", r.first_prev_hash},
                            {"last_hash", r.last_hash}};
  m["head"] = json::object{{"position", r.head.position}, {"hash", store::to_hex(r.head.hash)}};
  if (model) {
    m["state"] = json::object{{"position", model->position()},
                              {"hash", model->hash()},
                              {"recorded_at", model->recorded_at()},
                              {"what", "the tables and report.html reflect the read model at this position"}};
  }
  std::set<std::string> rules;
  if (model) {
    for (const auto& [id, call] : model->calls()) {
      if (!call.rules_version.empty()) rules.insert(call.rules_version);
    }
    for (const auto& [id, c] : model->cases()) {
      for (const auto& d : c->decisions) {
        if (!d.rules_version.empty()) rules.insert(d.rules_version);
      }
    }
  }
  json::array rules_list;
  for (const auto& v : rules) rules_list.push_back(json::string(v));
  m["versions"] = json::object{{"record_format", store::kRecordFormat},
                               {"read_model", projections::kModelVersion},
                               {"rules", std::move(rules_list)},
                               {"sijill", std::string(tool_version())}};
  m["personal_data"] = json::object{{"keys_included", false},
                                    {"plaintext_included", false},
                                    {"sealed", r.sealed},
                                    {"erased", r.erased},
                                    {"unknown", r.unknown}};
  json::array files;
  for (const auto& f : r.files) {
    json::object fo{{"name", f.name}, {"sha256", f.sha256}, {"bytes", f.bytes}};
    fo["rows"] = f.rows ? json::value(*f.rows) : json::value();
    fo["description"] = f.description;
    files.push_back(std::move(fo));
  }
  m["files"] = std::move(files);
  m["check"] = json::array{json::string(check_command(r)), "sha256sum -c SHA256SUMS"};
  std::string out;
  pretty(m, out, 0);
  out += "\n";
  return out;
}

Result<PackResult> write_pack(const store::EventStore& store, const projections::Model* model,
                              const PackOptions& options, const std::filesystem::path& dir) {
  PackResult r;
  r.range = options.range;
  r.head = store.head();
  if (r.range.to > r.head.position) {
    return Status::invalid_argument("the log ends at position " + std::to_string(r.head.position),
                                    {{"/to", "must be at most the head"}});
  }
  const bool full = options.contents == Contents::full;
  if (full && (model == nullptr || model->position() != r.range.to)) {
    return Status::invalid_argument("the read model is not at the export's last position " +
                                    std::to_string(r.range.to));
  }
  if (options.export_id.empty()) {
    thread_local boost::uuids::random_generator uuids;
    r.export_id = boost::uuids::to_string(uuids());
  } else {
    r.export_id = options.export_id;
  }
  r.generated_at =
      options.generated_at.empty()
          ? time::format_utc(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()))
          : options.generated_at;
  r.first_prev_hash = kZeroHex;
  r.last_hash = kZeroHex;

  // events.jsonl, and the sealed values of every event up to `to` (the full pack only).
  OutFile events(dir / "events.jsonl");
  if (!events.ok()) return Status::unavailable("cannot write " + (dir / "events.jsonl").string());
  std::vector<SealedValue> sealed;
  std::uint64_t written = 0;
  std::uint64_t scanned = 0;
  Status failure;
  const std::uint64_t start = full ? 0 : r.range.from - 1;
  if (r.range.count() > 0 || full) {
    auto st = store.scan_log(
        start, r.range.to,
        [&](const store::Record& rec) {
          if (options.progress && (++scanned & 4095) == 0) options.progress(scanned);
          if (rec.position >= r.range.from) {
            if (rec.position != r.range.from + written) {
              failure =
                  Status::data_loss("position " + std::to_string(r.range.from + written) + " is missing from the log");
              return false;
            }
            if (written == 0) {
              auto env = store::parse_envelope(rec.bytes);
              if (!env) {
                failure = env.status();
                return false;
              }
              r.first_prev_hash = store::to_hex(env->prev_hash);
            }
            auto line = rec.wire();
            line += '\n';
            events.write(line);
            ++written;
            if (rec.position == r.range.to) r.last_hash = store::to_hex(rec.hash);
          }
          if (full && rec.bytes.find("\"$sealed\"") != std::string::npos) {
            json::error_code ec;
            auto v = json::parse(rec.bytes, ec);
            if (ec || !v.is_object()) {
              failure = Status::data_loss("record " + std::to_string(rec.position) + " is not JSON");
              return false;
            }
            const auto& o = v.get_object();
            const auto* data = o.if_contains("data");
            const auto* type = o.if_contains("type");
            const auto* stream = o.if_contains("stream");
            if (data) {
              find_sealed(*data, "", rec.position, store::to_hex(rec.hash),
                          type && type->is_string() ? std::string_view(type->get_string()) : std::string_view(),
                          stream && stream->is_string() ? std::string_view(stream->get_string()) : std::string_view(),
                          sealed);
            }
          }
          return true;
        },
        store::EventStore::Scan::bulk);
    if (!st) return st;
    if (!failure) return failure;
  }
  if (auto st = events.close(); !st) return st;
  if (written != r.range.count()) {
    return Status::data_loss("the log holds " + std::to_string(written) + " of the " + std::to_string(r.range.count()) +
                             " records asked for");
  }
  if (options.progress) options.progress(scanned);
  r.events_sha256 = events.sha256();
  r.files.push_back({"events.jsonl",
                     "the records " + std::to_string(r.range.from) + " to " + std::to_string(r.range.to) +
                         " exactly as hashed, each with its hash (JSON Lines)",
                     r.events_sha256, events.size(), written});
  if (!full) return r;

  for (const auto& s : sealed) {
    const auto state = personal_data_state(s.subject, options.keys);
    (state == "sealed" ? r.sealed : state == "erased" ? r.erased : r.unknown) += 1;
  }
  auto tables = model_tables(*model);
  if (!tables) return tables.status();
  for (auto& table : *tables) {
    if (auto st = write_whole(dir, table.name, table.bytes, table.description, table.rows, r); !st) return st;
  }
  auto personal = personal_data_table(sealed, options.keys);
  if (auto st = write_whole(dir, personal.name, personal.bytes, personal.description, personal.rows, r); !st) return st;

  ReportContext ctx;
  ctx.export_id = r.export_id;
  ctx.generated_at = r.generated_at;
  ctx.from = r.range.from;
  ctx.to = r.range.to;
  ctx.last_hash = r.last_hash;
  ctx.head_position = r.head.position;
  ctx.head_hash = store::to_hex(r.head.hash);
  if (options.exported_by) ctx.exported_by = options.exported_by->id + " (" + options.exported_by->role + ")";
  ctx.recorded = options.recorded;
  ctx.not_recorded_reason = options.not_recorded_reason;
  ctx.sealed = r.sealed;
  ctx.erased = r.erased;
  ctx.unknown = r.unknown;
  auto report = report_html(*model, ctx);
  if (!report) return report.status();
  if (auto st =
          write_whole(dir, "report.html", *report,
                      "the printable report: programme state and every application's decision trail", std::nullopt, r);
      !st) {
    return st;
  }
  const auto checker = embedded_checker();
  if (checker.empty()) return Status::internal("the checker is not built into this binary");
  if (auto st =
          write_whole(dir, "verify_chain.py", checker,
                      "the independent checker of the hash chain (Python 3, standard library only)", std::nullopt, r);
      !st) {
    return st;
  }
  // README.txt lists the files written before it, then names itself, the manifest and SHA256SUMS.
  const auto readme_text = readme(r, options);
  if (auto st = write_whole(dir, "README.txt", readme_text, "how to check this pack", std::nullopt, r); !st) return st;

  const auto manifest = manifest_json(r, options, model);
  OutFile mf(dir / "manifest.json");
  if (!mf.ok()) return Status::unavailable("cannot write " + (dir / "manifest.json").string());
  mf.write(manifest);
  if (auto st = mf.close(); !st) return st;
  r.manifest_sha256 = mf.sha256();
  r.files.push_back({"manifest.json", "counts, range, head, each file's SHA-256, versions", r.manifest_sha256,
                     mf.size(), std::nullopt});

  std::string sums;
  for (const auto& f : r.files) sums += f.sha256 + "  " + f.name + "\n";
  Sha256 sums_sha;
  sums_sha.update(sums);
  {
    std::ofstream out(dir / "SHA256SUMS", std::ios::binary | std::ios::trunc);
    out << sums;
    out.close();
    if (!out) return Status::unavailable("cannot write " + (dir / "SHA256SUMS").string());
  }
  r.files.push_back(
      {"SHA256SUMS", "every file's SHA-256, for sha256sum -c", sums_sha.hex(), sums.size(), std::nullopt});
  return r;
}

}  // namespace sijill::evidence
