// MetadataCache (client/src/cluster) against a broker whose Metadata answers
// are hostile: a partition index of 2^31 - 1 in a one-partition list (the
// cache used to size its table from it: ~2^31 entries), negative or repeated
// indexes, impossible node ids and leader epochs. Each costs the refresh an
// error (net_errc::malformed_frame) and leaves the cached view as it was;
// a sane answer from the same peer is adopted, so the test can tell.
#include <catch2/catch.hpp>

#include <atomic>
#include <climits>

#include "cluster/metadata_cache.hpp"
#include "hostile_peer.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::detail::MetadataCache;
using kwire::net::net_errc;
using kwire::test::HostilePeer;
using kwire::test::run_coroutine;
namespace msg = kwire::protocol::messages;

namespace {

constexpr std::int16_t kMetadata = 3;

// One broker (node 1, this peer), topic "orders" with three good partitions.
msg::MetadataResponse sane_answer(std::uint16_t port) {
  msg::MetadataResponse r;
  msg::MetadataResponse::MetadataResponseBroker broker;
  broker.node_id = 1;
  broker.host = "127.0.0.1";
  broker.port = port;
  r.brokers.push_back(broker);
  r.controller_id = 1;
  msg::MetadataResponse::MetadataResponseTopic topic;
  topic.name = "orders";
  for (std::int32_t i = 0; i < 3; ++i) {
    msg::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition p;
    p.partition_index = i;
    p.leader_id = 1;
    p.leader_epoch = 4;
    p.replica_nodes = {1};
    p.isr_nodes = {1};
    topic.partitions.push_back(p);
  }
  r.topics.push_back(topic);
  return r;
}

using Spoil = void (*)(msg::MetadataResponse&);

struct Fixture {
  Fixture() {
    peer = std::make_unique<HostilePeer>([this](std::int16_t key, std::int16_t version, std::int32_t correlation) {
      std::vector<std::uint8_t> frame;
      if (key != kMetadata) return frame;
      auto body = sane_answer(port.load());
      if (spoil.load()) spoil.load()(body);
      kwire::protocol::Writer w;
      msg::ResponseHeader header;
      header.correlation_id = correlation;
      header.encode(w, kwire::protocol::response_header_version(key, version));
      body.encode(w, version);
      kwire::protocol::Writer framed;
      framed.i32(static_cast<std::int32_t>(w.owned().size()));
      framed.raw(w.owned());
      return framed.release();
    });
    port = peer->port();
    kwire::net::NetConfig config = *kwire::test::test_config();
    config.bootstrap_servers = {"127.0.0.1:" + std::to_string(port.load())};
    config.metadata_refresh_backoff = 10ms;
    pool = kwire::net::ConnectionPool::create(io.get_executor(), config);
    cache = MetadataCache::create(pool);
    cache->add_topic("orders");
  }
  ~Fixture() {
    cache->stop();
    pool->shutdown();
    kwire::test::drain(io);
  }
  std::error_code refresh(Spoil how) {
    spoil = how;
    return run_coroutine(io, cache->refresh());
  }

  std::atomic<std::uint16_t> port{0};
  std::atomic<Spoil> spoil{nullptr};
  std::unique_ptr<HostilePeer> peer;
  asio::io_context io;
  std::shared_ptr<kwire::net::ConnectionPool> pool;
  std::shared_ptr<MetadataCache> cache;
};

auto& first_partition(msg::MetadataResponse& r) { return r.topics.at(0).partitions.at(0); }

struct Hostile {
  const char* what;
  Spoil spoil;
};

const Hostile kHostile[] = {
    {"a partition index of INT32_MAX among 3 partitions", [](auto& r) { first_partition(r).partition_index = INT32_MAX; }},
    {"a partition index equal to the count listed", [](auto& r) { first_partition(r).partition_index = 3; }},
    {"a negative partition index", [](auto& r) { first_partition(r).partition_index = INT32_MIN; }},
    {"one partition listed twice", [](auto& r) { first_partition(r).partition_index = 1; }},
    {"a leader id below -1", [](auto& r) { first_partition(r).leader_id = -2; }},
    {"a leader epoch below -1", [](auto& r) { first_partition(r).leader_epoch = INT32_MIN; }},
    {"a negative replica node", [](auto& r) { first_partition(r).replica_nodes = {1, -4}; }},
    {"a negative in-sync node", [](auto& r) { first_partition(r).isr_nodes = {-1}; }},
    {"a negative broker node id", [](auto& r) { r.brokers.at(0).node_id = -1; }},
    {"one broker node id listed twice", [](auto& r) { r.brokers.push_back(r.brokers.at(0)); }},
    {"a controller id below -1", [](auto& r) { r.controller_id = -9; }},
};

}  // namespace

TEST_CASE("a hostile Metadata answer costs the refresh an error and adopts nothing", "[net][metadata][hostile]") {
  const auto& hostile = GENERATE(from_range(std::begin(kHostile), std::end(kHostile)));
  INFO(hostile.what);
  Fixture f;
  CHECK(f.refresh(hostile.spoil) == net_errc::malformed_frame);
  CHECK(!f.cache->partition_count("orders"));
  CHECK(f.cache->brokers().empty());
  CHECK(f.cache->generation() == 0);
  // The same peer answering sanely is believed.
  REQUIRE(!f.refresh(nullptr));
  CHECK(f.cache->partition_count("orders") == 3);
  CHECK(f.cache->leader("orders", 2) == 1);
  CHECK(f.cache->partition("orders", 0)->leader_epoch == 4);
}

TEST_CASE("a hostile Metadata answer after a good one leaves the cached view as it was", "[net][metadata][hostile]") {
  Fixture f;
  REQUIRE(!f.refresh(nullptr));
  REQUIRE(f.cache->partition_count("orders") == 3);
  const auto generation = f.cache->generation();
  CHECK(f.refresh(kHostile[0].spoil) == net_errc::malformed_frame);
  CHECK(f.cache->partition_count("orders") == 3);
  CHECK(f.cache->leader("orders", 0) == 1);
  CHECK(f.cache->brokers().size() == 1);
  CHECK(f.cache->generation() == generation);
}
