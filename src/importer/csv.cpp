#include "sijill/importer/csv.h"

#include <csv.h>

#include <simdjson.h>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace sijill::importer {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

// What the libcsv callbacks build.
struct Reader {
  std::vector<CsvRecord> records;
  std::vector<std::string> fields;  // of the record being read
  std::size_t line = 0;             // the physical line being fed
  std::size_t start_line = 0;       // where the record being read started
  bool outside = true;              // between records

  static void on_field(void* bytes, std::size_t size, void* self) {
    auto& r = *static_cast<Reader*>(self);
    if (r.outside) {  // a record that began on the line being fed (after a lone CR, say)
      r.start_line = r.line;
      r.outside = false;
    }
    r.fields.emplace_back(bytes == nullptr ? std::string() : std::string(static_cast<const char*>(bytes), size));
  }

  static void on_record_end(int, void* self) {
    auto& r = *static_cast<Reader*>(self);
    r.records.push_back({r.start_line, std::move(r.fields)});
    r.fields.clear();
    r.outside = true;
  }
};

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// Frees the parser on every path.
struct Parser {
  csv_parser p{};
  bool ready = false;
  ~Parser() {
    if (ready) csv_free(&p);
  }
};

}  // namespace

Result<CsvTable> read_csv(std::string_view text, const CsvOptions& options) {
  if (text.starts_with(kBom)) text.remove_prefix(kBom.size());

  Parser parser;
  if (csv_init(&parser.p, CSV_STRICT | CSV_STRICT_FINI) != 0) return Status::unavailable("out of memory");
  parser.ready = true;
  csv_set_delim(&parser.p, static_cast<unsigned char>(options.delimiter));

  Reader reader;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto nl = text.find('\n', pos);
    const auto end = nl == std::string_view::npos ? text.size() : nl + 1;
    const auto chunk = text.substr(pos, end - pos);
    ++reader.line;
    // A line feed is never part of a multi-byte sequence, so each line can be checked alone.
    if (!simdjson::validate_utf8(chunk.data(), chunk.size())) {
      return Status::invalid_argument("line " + std::to_string(reader.line) +
                                      " is not UTF-8: export the file as UTF-8 (CSV UTF-8)");
    }
    if (reader.outside && !blank(chunk)) {
      reader.start_line = reader.line;
      reader.outside = false;
    }
    if (csv_parse(&parser.p, chunk.data(), chunk.size(), Reader::on_field, Reader::on_record_end, &reader) !=
        chunk.size()) {
      return Status::invalid_argument("line " + std::to_string(reader.line) + " is not valid CSV (" +
                                      csv_strerror(csv_error(&parser.p)) +
                                      "): a quote inside an unquoted field, or text after a closing quote");
    }
    pos = end;
  }
  if (csv_fini(&parser.p, Reader::on_field, Reader::on_record_end, &reader) != 0) {
    return Status::invalid_argument("the quoted field of the record that starts on line " +
                                    std::to_string(reader.start_line) + " is not closed at the end of the file");
  }
  if (reader.records.empty()) return Status::invalid_argument("the file has no header line (it holds no CSV record)");

  CsvTable table;
  table.header = std::move(reader.records.front().fields);
  table.header_line = reader.records.front().line;
  table.records.assign(std::make_move_iterator(reader.records.begin() + 1),
                       std::make_move_iterator(reader.records.end()));
  return table;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot open " + path.string() + ": " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Status::unavailable("cannot read " + path.string());
  return text;
}

Result<CsvTable> read_csv_file(const std::filesystem::path& path, const CsvOptions& options) {
  auto text = read_file(path);
  if (!text) return text.status();
  return read_csv(*text, options);
}

}  // namespace sijill::importer
