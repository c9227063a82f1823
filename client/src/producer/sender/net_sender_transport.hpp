// The sender's transport over the real network: Produce and InitProducerId
// through the connection pool, leaders from the metadata cache (which also
// learns about every topic the sender asks for). io_context thread only, like
// the pool and the cache it wraps.
#pragma once

#include <memory>
#include <set>

#include "cluster/metadata_cache.hpp"
#include "kwire/net/connection_pool.hpp"
#include "producer/sender/sender_transport.hpp"

namespace kwire::detail {

class NetSenderTransport final : public SenderTransport {
 public:
  NetSenderTransport(std::shared_ptr<net::ConnectionPool> pool, std::shared_ptr<detail::MetadataCache> metadata);

  std::optional<std::int32_t> leader_of(std::string_view topic, std::int32_t partition) override;
  void request_metadata_refresh(std::string_view topic) override;
  // Segmented batches go to the connection as they are (gather write).
  asio::awaitable<net::Result<protocol::messages::ProduceResponse>> produce(
      std::int32_t broker, const OutgoingProduceRequest& request, bool& written) override;
  asio::awaitable<std::error_code> produce_without_ack(std::int32_t broker, const OutgoingProduceRequest& request,
                                                       bool& written) override;
  asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> init_producer_id(
      const protocol::messages::InitProducerIdRequest& request) override;
  void cancel_all() override;
  void prepare_connection(std::int32_t broker) override;

 private:
  std::shared_ptr<net::ConnectionPool> pool_;
  std::shared_ptr<detail::MetadataCache> metadata_;
  // Brokers a prepare_connection attempt is under way for (shared with the
  // attempt, which may end after this transport).
  std::shared_ptr<std::set<std::int32_t>> preparing_ = std::make_shared<std::set<std::int32_t>>();
};

}  // namespace kwire::detail
