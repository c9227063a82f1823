// The sender's network transport: see net_sender_transport.hpp.
#include "producer/sender/net_sender_transport.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <string>

namespace kwire::detail {

NetSenderTransport::NetSenderTransport(std::shared_ptr<net::ConnectionPool> pool,
                                       std::shared_ptr<detail::MetadataCache> metadata)
    : pool_(std::move(pool)), metadata_(std::move(metadata)) {}

std::optional<std::int32_t> NetSenderTransport::leader_of(std::string_view topic, std::int32_t partition) {
  auto leader = metadata_->leader(topic, partition);
  if (leader && *leader < 0) return std::nullopt;
  return leader;
}

void NetSenderTransport::request_metadata_refresh(std::string_view topic) {
  metadata_->add_topic(std::string(topic));
  metadata_->request_refresh();
}

asio::awaitable<net::Result<protocol::messages::ProduceResponse>> NetSenderTransport::produce(
    std::int32_t broker, const OutgoingProduceRequest& request, bool& written) {
  net::SendOptions options;
  options.written = &written;
  options.min_version = request.lowest_version();
  co_return co_await pool_->send<protocol::messages::ProduceResponse>(broker, request, options);
}

asio::awaitable<std::error_code> NetSenderTransport::produce_without_ack(std::int32_t broker,
                                                                         const OutgoingProduceRequest& request,
                                                                         bool& written) {
  net::SendOptions options;
  options.written = &written;
  options.min_version = request.lowest_version();
  co_return co_await pool_->send_no_response(broker, request, options);
}

asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> NetSenderTransport::init_producer_id(
    const protocol::messages::InitProducerIdRequest& request) {
  co_return co_await pool_->send_any<protocol::messages::InitProducerIdResponse>(request);
}

void NetSenderTransport::cancel_all() { pool_->shutdown(); }

void NetSenderTransport::prepare_connection(std::int32_t broker) {
  if (pool_->connected(broker) != nullptr || !preparing_->insert(broker).second) return;
  // The pool keeps the connection; a failed attempt is the pool's to log and
  // back off from, and the batch's own send tries again.
  asio::co_spawn(
      pool_->executor(),
      [pool = pool_, preparing = preparing_, broker]() -> asio::awaitable<void> {
        (void)co_await pool->connection(broker);
        preparing->erase(broker);
      },
      asio::detached);
}

}  // namespace kwire::detail
