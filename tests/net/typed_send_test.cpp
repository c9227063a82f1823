// Generated requests through the connection and the pool: version choice with
// a cap, Produce acks=0 whose (unexpected) answer from the mock is dropped,
// and the produce payload spliced into the write by reference, not copied.
#include <catch2/catch.hpp>

#include <vector>

#include "kwire/net/connection_pool.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"
#include "txn_wire.hpp"

using namespace std::chrono_literals;
namespace messages = kwire::protocol::messages;
using kwire::net::ConnectionPool;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;

namespace {

messages::ProduceRequest acks0_produce(const std::vector<std::uint8_t>& payload) {
  messages::ProduceRequest request = kwire::test::wire::produce_request("events", 0, payload);
  request.acks = 0;
  request.timeout_ms = 1000;
  return request;
}

}  // namespace

TEST_CASE("the pool sends generated requests at the negotiated version, capped on request", "[net][mock][typed]") {
  MockCluster cluster(2);
  cluster.create_topic("events", 2, 1);
  asio::io_context io;
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {cluster.bootstrap()};
  auto pool = ConnectionPool::create(io.get_executor(), config);

  messages::MetadataRequest request;
  auto [ec, response] = run_coroutine(io, pool->send_any<messages::MetadataResponse>(request));
  REQUIRE(!ec);
  auto [conn_ec, conn] = run_coroutine(io, pool->any_connection());
  REQUIRE(!conn_ec);
  const auto broker_range = conn->api_versions().broker_range(messages::MetadataRequest::api_key);
  REQUIRE(broker_range);
  CHECK(response.version == std::min(broker_range->max_version, messages::MetadataRequest::max_version));
  CHECK(response.body.brokers.size() == 2);
  CHECK(response.frame != nullptr);

  auto [capped_ec, capped] =
      run_coroutine(io, pool->send_any<messages::MetadataResponse>(request, {std::int16_t{0}, std::nullopt}));
  REQUIRE(!capped_ec);
  CHECK(capped.version == 0);
  CHECK(capped.body.brokers.size() == 2);
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("an acks=0 Produce completes when written; the mock's answer to it is dropped", "[net][mock][typed]") {
  MockCluster cluster(1);
  cluster.create_topic("events", 1, 1);
  asio::io_context io;
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {cluster.bootstrap()};
  auto pool = ConnectionPool::create(io.get_executor(), config);
  auto [conn_ec, conn] = run_coroutine(io, pool->connection(kwire::net::kFirstBootstrapId));
  REQUIRE(!conn_ec);

  std::vector<std::uint8_t> payload(64, 0xab);  // not a valid batch: the broker's verdict is never read
  for (int i = 0; i < 3; ++i)
    CHECK(!run_coroutine(io, pool->send_no_response(kwire::net::kFirstBootstrapId, acks0_produce(payload))));
  // Had an answer to the Produce been taken for this one, decoding would fail or the ids mismatch.
  auto [ec, metadata] = run_coroutine(io, conn->send<messages::MetadataResponse>(messages::MetadataRequest{}));
  REQUIRE(!ec);
  CHECK(metadata.body.brokers.size() == 1);
  CHECK(conn->ready());
  pool->shutdown();
  kwire::test::drain(io);
}

TEST_CASE("a produce payload is referenced by the outgoing frame, not copied", "[net][unit][typed]") {
  asio::io_context io;
  auto conn = kwire::net::BrokerConnection::create(io.get_executor(), kwire::test::test_config(), nullptr, 1,
                                                   "localhost", 9);
  std::vector<std::uint8_t> payload(4096, 0x5a);
  auto request = acks0_produce(payload);
  auto frame = conn->begin_request(messages::ProduceRequest::api_key, 7, false);
  request.encode(frame.writer, 7);
  REQUIRE(!kwire::net::finish_request(frame));
  CHECK(frame.writer.has_refs());
  bool payload_by_reference = false;
  std::size_t total = 0;
  frame.writer.gather([&](kwire::protocol::Bytes piece) {
    total += piece.size();
    if (piece.data() == payload.data() && piece.size() == payload.size()) payload_by_reference = true;
  });
  CHECK(payload_by_reference);
  CHECK(total == frame.writer.size());
  CHECK(frame.writer.owned().size() < payload.size());  // header and framing only
}
