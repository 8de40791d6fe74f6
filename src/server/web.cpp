#include "web.h"

#include <cstdint>
#include <map>
#include <string>

#include "sijill/util/embedded.h"

namespace sijill::server {

namespace {

constexpr std::string_view kPrefix = "src/web/";
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
  std::string_view content_type;
  std::string_view body;
  std::string etag;  // strong: "<FNV-1a 64 of the bytes, hex>"
};

std::string_view content_type_of(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return "application/json";
  if (ends(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

std::string etag_of(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) tag += kHex[(h >> shift) & 0xf];
  tag += std::to_string(bytes.size());
  tag += '"';
  return tag;
}

// URL path -> asset, built once from the embedded files.
const std::map<std::string, Asset, std::less<>>& assets() {
  static const auto table = [] {
    std::map<std::string, Asset, std::less<>> t;
    for (const auto& [path, body] : embedded::web_files()) {
      if (!path.starts_with(kPrefix)) continue;
      const auto name = path.substr(kPrefix.size());
      Asset a{content_type_of(name), body, etag_of(body)};
      if (name == "index.html") {
        t.emplace("/", a);
        t.emplace("/index.html", a);
      } else {
        t.emplace("/ui/" + std::string(name), a);
      }
    }
    return t;
  }();
  return table;
}

// Whether an If-None-Match header value lists `etag` (weak comparison, RFC 9110 13.1.2).
bool matches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    while (!header.empty() && (header.front() == ' ' || header.front() == ',' || header.front() == '\t')) {
      header.remove_prefix(1);
    }
    if (header.empty()) break;
    if (header.front() == '*') return true;
    if (header.starts_with("W/")) header.remove_prefix(2);
    if (header.empty() || header.front() != '"') return false;
    const auto end = header.find('"', 1);
    if (end == std::string_view::npos) return false;
    if (header.substr(0, end + 1) == etag) return true;
    header.remove_prefix(end + 1);
  }
  return false;
}

void secure(ApiResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

}  // namespace

std::optional<ApiResponse> web_response(const ApiRequest& request, std::string_view path) {
  const bool page_path = path == "/" || path == "/index.html" || path.starts_with("/ui/");
  if (!page_path) return std::nullopt;
  const std::string route = path.starts_with("/ui/") ? "/ui/{file}" : "/";
  if (request.method != "GET") {
    return method_not_allowed("GET", route);
  }
  const auto& table = assets();
  const auto it = table.find(path);
  if (it == table.end()) return problem(Status::not_found("no file " + std::string(path)), route);
  const Asset& a = it->second;
  ApiResponse r;
  r.route = route;
  r.content_type = std::string(a.content_type);
  r.headers.emplace_back("ETag", a.etag);
  r.headers.emplace_back("Cache-Control", "no-cache");
  secure(r);
  if (request.if_none_match && matches(*request.if_none_match, a.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = std::string(a.body);
  return r;
}

}  // namespace sijill::server
