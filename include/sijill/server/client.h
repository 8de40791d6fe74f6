// A small blocking HTTP/1.1 client, for the command-line tools that go through a running
// server's API (`sijill token create --server URL --token T`, ...).
//
// Plain http:// only. Thread: any; each call opens and closes its own connection.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sijill/util/status.h"

namespace sijill::server {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends one request to `base_url` ("http://127.0.0.1:8080") + `target` ("/v1/commands/CreateToken")
// and returns the response, whatever its status. Fails with invalid_argument for a URL that
// is not http://host[:port], unavailable when the server cannot be reached or the connection
// fails.
Result<ClientResponse> http_request(std::string_view base_url, std::string_view method, std::string_view target,
                                    const std::vector<std::pair<std::string, std::string>>& headers, std::string body);

}  // namespace sijill::server
