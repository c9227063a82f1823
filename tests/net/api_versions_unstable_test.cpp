// Version negotiation never picks a version Kafka's specs mark unstable
// ("latestVersionUnstable") unless allowed: EndTxn v5 (KIP-890 part 2, whose
// response moves the producer epoch) is left for v4 with today's specs, on
// the table and on a connection to a broker that advertises v5 (TxnBroker).
#include "net_test_util.hpp"

#include "kwire/net/api_versions.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/api_table.hpp"
#include "txn_broker.hpp"

using kwire::net::ApiVersionTable;

namespace {

constexpr std::int16_t kProduce = 0;
constexpr std::int16_t kEndTxn = 26;
constexpr std::int16_t kShareGroupHeartbeat = 76;

// A broker that advertises everything our specs know, newest versions included.
ApiVersionTable broker_with_every_version() {
  ApiVersionTable table;
  for (const auto& api : kwire::protocol::all_apis()) table.set(api.key, {api.min_version, api.max_version});
  return table;
}

std::int16_t picked(const ApiVersionTable& table, std::int16_t key) {
  const auto* api = kwire::protocol::find_api(key);
  REQUIRE(api != nullptr);
  std::int16_t version = -1;
  REQUIRE_FALSE(table.pick(key, api->min_version, api->max_version, std::nullopt, version));
  return version;
}

}  // namespace

TEST_CASE("the API table knows which newest versions are unstable", "[net][api_versions]") {
  const auto* end_txn = kwire::protocol::find_api(kEndTxn);
  REQUIRE(end_txn != nullptr);
  CHECK(end_txn->max_version == 5);
  CHECK(end_txn->max_stable_version == 4);
  const auto* produce = kwire::protocol::find_api(kProduce);
  REQUIRE(produce != nullptr);
  CHECK(produce->max_stable_version == produce->max_version);
  const auto* share = kwire::protocol::find_api(kShareGroupHeartbeat);
  REQUIRE(share != nullptr);
  CHECK(share->max_stable_version < share->min_version);  // its only version is unstable
}

TEST_CASE("unstable versions are not negotiated by default", "[net][api_versions]") {
  auto table = broker_with_every_version();
  CHECK(picked(table, kEndTxn) == 4);
  CHECK(picked(table, kProduce) == kwire::protocol::find_api(kProduce)->max_version);
  std::int16_t version = -1;
  CHECK(table.pick(kShareGroupHeartbeat, 0, 0, std::nullopt, version) == kwire::net::net_errc::no_common_version);
  // A cap still applies below the stable maximum.
  REQUIRE_FALSE(table.pick(kEndTxn, 0, 5, std::int16_t{2}, version));
  CHECK(version == 2);
}

TEST_CASE("unstable versions are negotiated only when allowed", "[net][api_versions]") {
  auto table = broker_with_every_version();
  table.allow_unstable(true);
  CHECK(picked(table, kEndTxn) == 5);
  std::int16_t version = -1;
  REQUIRE_FALSE(table.pick(kShareGroupHeartbeat, 0, 0, std::nullopt, version));
  CHECK(version == 0);
}

TEST_CASE("a connection to a broker advertising EndTxn v5 uses v4, or v5 when unstable versions are allowed",
          "[net][api_versions]") {
  kwire::test::TxnBrokerOptions options;
  options.advertise = {{kEndTxn, 0, 5}};
  kwire::test::TxnBroker broker(options);
  for (bool allow : {false, true}) {
    INFO("allow_unstable_versions " << allow);
    auto config = kwire::test::test_config();
    config->allow_unstable_versions = allow;
    asio::io_context io;
    auto conn = kwire::net::BrokerConnection::create(io.get_executor(), config, nullptr, 1, "127.0.0.1",
                                                     broker.port());
    REQUIRE_FALSE(kwire::test::run_coroutine(io, conn->open()));
    REQUIRE(conn->api_versions().broker_range(kEndTxn)->max_version == 5);
    std::int16_t version = -1;
    REQUIRE_FALSE(conn->select_version(kEndTxn, 0, 5, std::nullopt, version));
    CHECK(version == (allow ? 5 : 4));
    conn->close();
    kwire::test::drain(io);
  }
}
