// PUT /v1/documents and GET /v1/documents/{sha256}: who may, and what is answered (no Beast
// here). The upload's body is streamed into the document store by http.cpp, which asks
// begin_upload() on the request's headers, before reading any of the body.
#include <boost/json/serialize.hpp>

#include "api.h"

namespace sijill::server {

Result<domain::Actor> Api::begin_upload(std::string_view authorization, std::string_view remote,
                                        std::optional<std::uint64_t> content_length, std::chrono::milliseconds& delay) {
  auto actor = authenticate(authorization, true, remote, delay);
  if (!actor) return actor;
  if (!services_.policy->may_upload_document(*actor)) {
    return Status::permission_denied("documents are stored by programme officers and admins, not by the role " +
                                     actor->role);
  }
  if (services_.documents == nullptr) return Status::not_found("this server keeps no documents");
  if (shutting_down_) return Status::unavailable("the server is shutting down; retry later");
  if (content_length && *content_length > documents::kMaxDocumentBytes) {
    return Status::too_large("the document is over the limit of " + std::to_string(documents::kMaxDocumentBytes) +
                             " bytes (50 MiB)");
  }
  return actor;
}

ApiResponse Api::upload_reply(const Result<documents::StoredDocument>& stored) {
  const std::string route = "/v1/documents";
  if (!stored) return problem(stored.status(), route);
  ApiResponse r;
  r.status = stored->already_stored ? 200 : 201;
  r.route = route;
  r.body = boost::json::serialize(boost::json::object{{"sha256", stored->sha256}, {"size", stored->size}});
  r.headers.emplace_back("ETag", "\"" + stored->sha256 + "\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

ApiResponse Api::document(std::string_view sha256, const domain::Actor& actor) {
  const std::string route = "/v1/documents/{sha256}";
  if (services_.documents == nullptr) return problem(Status::not_found("this server keeps no documents"), route);
  if (!documents::is_digest(sha256)) {
    return problem(Status::not_found("a document is named by its SHA-256: 64 lower-case hexadecimal digits"), route);
  }
  switch (services_.policy->may_read_document(actor, sha256)) {
    case access::Policy::DocumentAccess::not_cited:
      return problem(Status::not_found("no application cites the document " + std::string(sha256)), route);
    case access::Policy::DocumentAccess::denied:
      return problem(
          Status::permission_denied("the role " + actor.role + " may not read the applications citing this document"),
          route);
    case access::Policy::DocumentAccess::allowed:
      break;
  }
  if (!services_.documents->contains(sha256)) {
    return problem(Status::not_found("the document " + std::string(sha256) + " is cited but not stored"), route);
  }
  ApiResponse r;
  r.status = 200;
  r.route = route;
  r.content_type = "application/octet-stream";
  r.file = services_.documents->path_of(sha256).string();
  r.headers.emplace_back("ETag", "\"" + std::string(sha256) + "\"");
  r.headers.emplace_back("Cache-Control", "private");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + std::string(sha256) + "\"");
  return r;
}

}  // namespace sijill::server
