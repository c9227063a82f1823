// What the sender needs from the network and the cluster metadata, as an
// interface: the producer plugs in the connection pool and metadata cache
// (producer/network_backend.cpp), tests plug in a scripted broker. Every member is
// called on the producer's io_context thread.
#pragma once

#include <asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <system_error>

#include "kwire/net/response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "producer/sender/produce_request_builder.hpp"

namespace kwire::detail {

class SenderTransport {
 public:
  virtual ~SenderTransport() = default;

  // Leader broker of a partition from the metadata cache; nullopt = unknown.
  virtual std::optional<std::int32_t> leader_of(std::string_view topic, std::int32_t partition) = 0;
  // Asks for fresh metadata of a topic (leader errors, unknown leaders);
  // must not block.
  virtual void request_metadata_refresh(std::string_view topic) = 0;
  // `changed` (io thread; null to stop) runs whenever leader_of() may answer
  // differently (a metadata refresh came in): the sender has no periodic
  // tick, so this is how batches waiting for a leader learn of one.
  virtual void on_leaders_changed(std::function<void()> changed) = 0;

  // Sends a Produce request to a broker and awaits its answer. The request's
  // batches (which may splice borrowed values in by reference, see
  // OutgoingProduceRequest) are kept alive by the caller until this completes.
  // `written` becomes true once the request left the client (the broker may
  // act on it), and stays false if it never did, whatever the result.
  virtual asio::awaitable<net::Result<protocol::messages::ProduceResponse>> produce(
      std::int32_t broker, const OutgoingProduceRequest& request, bool& written) = 0;
  // acks=0: completes once the request is written.
  virtual asio::awaitable<std::error_code> produce_without_ack(std::int32_t broker,
                                                               const OutgoingProduceRequest& request,
                                                               bool& written) = 0;
  // InitProducerId to any broker (the idempotent producer needs no coordinator).
  virtual asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> init_producer_id(
      const protocol::messages::InitProducerIdRequest& request) = 0;

  // Fails every request in flight promptly (a forced close).
  virtual void cancel_all() = 0;

  // A batch for `broker` lingers: have its connection ready by the time the
  // batch goes (connect, TLS, ApiVersions, SASL during the linger, not after
  // it). Must not block; nothing to do if the connection is up or coming.
  virtual void prepare_connection(std::int32_t broker) = 0;
};

}  // namespace kwire::detail
