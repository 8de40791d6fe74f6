#include "sijill/server/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace sijill::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Result<ClientResponse> http_request(std::string_view base_url, std::string_view method, std::string_view target,
                                    const std::vector<std::pair<std::string, std::string>>& headers, std::string body) {
  auto url = boost::urls::parse_uri(base_url);
  if (!url || url->scheme() != "http" || url->host().empty()) {
    return Status::invalid_argument("the server URL must be http://host[:port], not '" + std::string(base_url) + "'");
  }
  const std::string host = url->host();
  const std::string port = url->has_port() ? std::string(url->port()) : "80";
  try {
    net::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    auto endpoints = resolver.resolve(host, port);
    stream.connect(endpoints);
    http::request<http::string_body> req(http::string_to_verb(std::string(method)), std::string(target), 11);
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "sijill-cli");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = std::move(body);
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    return ClientResponse{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
                          std::move(res.body())};
  } catch (const boost::system::system_error& e) {
    return Status::unavailable("cannot reach " + std::string(base_url) + ": " + e.code().message());
  }
}

}  // namespace sijill::server
