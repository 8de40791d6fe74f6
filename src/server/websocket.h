// WebSocket /v1/stream sessions (private to src/server; websocket.cpp is the only file that
// includes Beast's WebSocket headers).
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>
#include <string>

#include "shared.h"

namespace sijill::server {

// Takes over `stream` (its HTTP session ends), accepts the upgrade `request`, and serves the
// protocol of docs/api.md until either side closes. `actor` is set when the upgrade carried a
// valid Authorization header; otherwise the client's first message must authenticate.
void run_websocket_session(Shared& shared, boost::beast::tcp_stream stream,
                           boost::beast::http::request<boost::beast::http::string_body> request, std::string remote,
                           std::optional<domain::Actor> actor);
// The same over TLS (wss://), once the HTTP session's handshake is done.
void run_websocket_session(Shared& shared, boost::beast::ssl_stream<boost::beast::tcp_stream> stream,
                           boost::beast::http::request<boost::beast::http::string_body> request, std::string remote,
                           std::optional<domain::Actor> actor);

}  // namespace sijill::server
