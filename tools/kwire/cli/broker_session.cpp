// Synchronous broker access for the tool (see broker_session.hpp).
#include "cli/broker_session.hpp"

#include "kwire/net/counters.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"

namespace kwire::tool {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

BrokerSession::BrokerSession(std::string bootstrap, SessionOptions options)
    : options_(options),
      config_(std::make_shared<net::NetConfig>()),
      counters_(std::make_shared<net::NetCounters>()),
      bootstrap_(split_list(bootstrap)) {
  for (std::string& server : bootstrap_) server = net::with_default_port(server);
  config_->bootstrap_servers = bootstrap_;
  config_->client_id = "kwire-cli";
  config_->connection_setup_timeout = options.connect_timeout;
  config_->request_timeout = options.request_timeout;
  config_->security = options.security;
}

BrokerSession::~BrokerSession() {
  if (bootstrap_conn_) bootstrap_conn_->close();
  for (auto& [id, c] : connections_) c->close();
  // Let the connections' coroutines see the close and finish.
  io_.restart();
  io_.run_for(std::chrono::milliseconds(200));
}

asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>> BrokerSession::open(
    std::int32_t id, const std::string& address, std::string& detail) {
  std::string host;
  std::uint16_t port = 0;
  if (!net::parse_host_port(address, host, port)) {
    detail = "'" + address + "' is not host:port";
    co_return std::make_pair(std::make_error_code(std::errc::invalid_argument), nullptr);
  }
  auto conn = net::BrokerConnection::create(io_.get_executor(), config_, counters_, id, host, port);
  auto ec = co_await conn->open();
  if (ec) {
    detail = address + ": " + ec.message();
    if (!conn->failure_detail().empty()) detail += " (" + conn->failure_detail() + ")";
    conn->close(ec);
    co_return std::make_pair(ec, nullptr);
  }
  co_return std::make_pair(std::error_code(), conn);
}

asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>>
BrokerSession::bootstrap_connection(std::string& detail) {
  if (bootstrap_conn_ && bootstrap_conn_->ready()) co_return std::make_pair(std::error_code(), bootstrap_conn_);
  std::error_code last = net::net_errc::no_broker_available;
  std::string why;
  for (const auto& address : bootstrap_) {
    std::string one;
    auto [ec, conn] = co_await open(-1, address, one);
    if (!ec) {
      bootstrap_conn_ = conn;
      co_return std::make_pair(ec, conn);
    }
    last = ec;
    why += (why.empty() ? "" : "; ") + one;
  }
  detail = why.empty() ? "no bootstrap brokers given" : why;
  co_return std::make_pair(last, nullptr);
}

asio::awaitable<std::pair<std::error_code, std::shared_ptr<net::BrokerConnection>>> BrokerSession::broker_connection(
    std::int32_t broker_id, std::string& detail) {
  auto it = connections_.find(broker_id);
  if (it != connections_.end() && it->second->ready()) co_return std::make_pair(std::error_code(), it->second);
  auto addr = broker_addresses_.find(broker_id);
  if (addr == broker_addresses_.end()) {
    detail = "broker " + std::to_string(broker_id) + " is not in the cluster's metadata";
    co_return std::make_pair(std::error_code(net::net_errc::unknown_broker), nullptr);
  }
  auto [ec, conn] = co_await open(broker_id, addr->second, detail);
  if (!ec) connections_[broker_id] = conn;
  co_return std::make_pair(ec, conn);
}

asio::awaitable<std::pair<std::error_code, protocol::messages::MetadataResponse>> BrokerSession::metadata(
    std::optional<std::vector<std::string>> topics, std::string& detail, bool allow_auto_create) {
  using protocol::messages::MetadataRequest;
  using protocol::messages::MetadataResponse;
  auto [ec, conn] = co_await bootstrap_connection(detail);
  if (ec) co_return std::make_pair(ec, MetadataResponse{});
  MetadataRequest req;
  // Only v4+ can say "do not create"; older versions leave it to the broker.
  std::int16_t version = 0;
  if (!conn->select_version(MetadataRequest::api_key, MetadataRequest::min_version, 8, std::nullopt, version) &&
      version >= 4)
    req.allow_auto_topic_creation = allow_auto_create;
  if (topics) {
    req.topics.emplace();
    for (const auto& t : *topics) {
      MetadataRequest::MetadataRequestTopic rt;
      rt.name = t;
      req.topics->push_back(std::move(rt));
    }
  } else {
    req.topics = std::nullopt;
  }
  // v9+ are flexible and v10+ add topic ids; v8 says all the tool needs.
  net::SendOptions opts;
  opts.max_version = 8;
  auto result = co_await conn->send<MetadataResponse>(req, opts);
  if (result.error) {
    detail = "Metadata request failed: " + result.error.message();
    co_return std::make_pair(result.error, MetadataResponse{});
  }
  for (const auto& b : result.response.body.brokers)
    broker_addresses_[b.node_id] = b.host + ":" + std::to_string(b.port);
  co_return std::make_pair(std::error_code(), std::move(result.response.body));
}

}  // namespace kwire::tool
