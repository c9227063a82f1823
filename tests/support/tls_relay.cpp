// TlsRelay: accept TLS, connect the upstream in plaintext, pump frames both
// ways; Metadata responses get their broker addresses rewritten. Everything
// runs on the relay's own io_context thread.
#include "tls_relay.hpp"

#include <map>
#include <sstream>
#include <stdexcept>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ssl.hpp>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "metadata_relay.hpp"
#include "server_thread.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
using frames::Frame;

std::vector<RelayUpstream> parse_bootstrap(const std::string& bootstrap) {
  std::vector<RelayUpstream> out;
  std::stringstream ss(bootstrap);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto colon = item.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("bad bootstrap " + bootstrap);
    out.push_back({item.substr(0, colon), static_cast<std::uint16_t>(std::stoi(item.substr(colon + 1)))});
  }
  return out;
}

}  // namespace

struct TlsRelay::Impl {
  Impl(std::vector<RelayUpstream> ups, TlsRelayOptions opts, std::shared_ptr<Stats> st)
      : upstreams(std::move(ups)), options(std::move(opts)), stats(std::move(st)), server(upstreams.size()) {
    ssl.use_certificate_chain_file(options.cert_file);
    ssl.use_private_key_file(options.key_file, asio::ssl::context::pem);
    if (!options.client_ca_file.empty()) {
      ssl.load_verify_file(options.client_ca_file);
      ssl.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    for (std::size_t i = 0; i < upstreams.size(); ++i) {
      server.accept(i, [this, i](tcp::socket s) {
        asio::co_spawn(io, serve(std::make_shared<Session>(io, std::move(s), ssl), upstreams[i]), asio::detached);
      });
    }
  }

  std::optional<std::pair<std::string, std::int32_t>> map_address(const std::string& host, std::int32_t port) const {
    for (std::size_t i = 0; i < upstreams.size(); ++i)
      if (upstreams[i].port == port && (upstreams[i].host == host || host == "127.0.0.1" || host == "localhost"))
        return std::pair{options.advertised_host, static_cast<std::int32_t>(server.port(i))};
    return std::nullopt;
  }

  struct Session {
    Session(asio::io_context& io, tcp::socket s, asio::ssl::context& ctx) : client(std::move(s), ctx), upstream(io) {}
    asio::ssl::stream<tcp::socket> client;
    tcp::socket upstream;
    MetadataAnswers metadata;
    void close() {
      std::error_code ignored;
      client.next_layer().close(ignored);
      upstream.close(ignored);
    }
  };

  asio::awaitable<void> serve(std::shared_ptr<Session> session, RelayUpstream up) {
    std::error_code ec;
    co_await session->client.async_handshake(asio::ssl::stream_base::server,
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      ++stats->handshakes_failed;
      session->close();
      co_return;
    }
    ++stats->handshakes_completed;
    tcp::resolver resolver(io);
    auto endpoints = co_await resolver.async_resolve(up.host, std::to_string(up.port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await asio::async_connect(session->upstream, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      session->close();
      co_return;
    }
    asio::co_spawn(io, client_to_upstream(session), asio::detached);
    co_await upstream_to_client(session);
  }

  asio::awaitable<void> client_to_upstream(std::shared_ptr<Session> session) {
    co_await relay_requests(session->client, session->upstream, session->metadata);
    session->close();
  }

  asio::awaitable<void> upstream_to_client(std::shared_ptr<Session> session) {
    const AddressMap map = [this](const std::string& h, std::int32_t p) { return map_address(h, p); };
    co_await relay_answers(session->upstream, session->client, session->metadata, map, stats->metadata_rewrites);
    session->close();
  }

  std::vector<RelayUpstream> upstreams;
  TlsRelayOptions options;
  std::shared_ptr<Stats> stats;
  asio::ssl::context ssl{asio::ssl::context::tls_server};
  ServerThread server;
  asio::io_context& io = server.io();
};

TlsRelay::TlsRelay(std::vector<RelayUpstream> upstreams, TlsRelayOptions options)
    : stats_(std::make_shared<Stats>()), impl_(std::make_unique<Impl>(std::move(upstreams), std::move(options), stats_)) {
  impl_->server.start();
}

TlsRelay::TlsRelay(const std::string& bootstrap, TlsRelayOptions options)
    : TlsRelay(parse_bootstrap(bootstrap), std::move(options)) {}

TlsRelay::~TlsRelay() { impl_->server.stop(); }

std::uint16_t TlsRelay::port(std::size_t index) const { return impl_->server.port(index); }

std::string TlsRelay::bootstrap() const {
  std::string out;
  for (std::size_t i = 0; i < impl_->server.listeners(); ++i) {
    if (i) out += ",";
    out += impl_->options.advertised_host + ":" + std::to_string(port(i));
  }
  return out;
}

}  // namespace kwire::test
