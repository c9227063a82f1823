// Transactions keep working against a broker that advertises EndTxn v5
// (Kafka 4's range; v5 is KIP-890 part 2, whose coordinator moves the epoch
// at every transaction end): kwire implements transactions v1, negotiates
// EndTxn v4 at most, and the epoch stays. Before, kwire picked v5, kept its
// epoch, and the second transaction was fenced (issue 16). Records are read
// back by librdkafka's read_committed consumer.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "transaction_test_helpers.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
using txn_test::range;
using kwire::test::DeliveryRecorder;
using txn_test::send_numbered;

TEST_CASE("transactions (txn_broker advertising EndTxn v5): three commits in a row, the epoch unchanged",
          "[txn][versions]") {
  kwire::test::TxnBrokerOptions options;
  options.advertise = {{26 /* EndTxn */, 0, 5}};
  kwire::test::TxnBroker broker(options);
  broker.create_topic("v5", 1);
  DeliveryRecorder reports;
  {
    kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()},
                              {"transactional.id", "tx-v5"},
                              {"linger.ms", "5"},
                              {"request.timeout.ms", "5000"},
                              {"delivery.timeout.ms", "10000"}});
    REQUIRE(producer.init_transactions(10s) == std::error_code());
    for (std::uint64_t txn = 0; txn < 3; ++txn) {
      INFO("transaction " << txn);
      REQUIRE(producer.begin_transaction() == std::error_code());
      for (std::uint64_t id = txn * 10; id < txn * 10 + 10; ++id)
        REQUIRE(send_numbered(producer, reports, "v5", 0, id) == std::error_code());
      const std::error_code commit = producer.commit_transaction(10s);
      INFO("commit: " << commit.message());
      REQUIRE(commit == std::error_code());
    }
    REQUIRE(reports.wait(30));
    for (const auto& [id, rep] : reports.snapshot()) {
      INFO("record " << id);
      CHECK(rep.fired == 1);
      CHECK(!rep.error);
    }
  }
  // EndTxn v5 would have moved the epoch to 3.
  auto identity = broker.transactional_producer("tx-v5");
  REQUIRE(identity.has_value());
  CHECK(identity->epoch == 0);
  CHECK(broker.control_batches("v5", 0) == 3);
  auto read = kwire::test::read_partition(broker.bootstrap(), "v5", 0, kwire::test::Isolation::read_committed, 20s);
  INFO("read error: " << read.error);
  REQUIRE(read.error.empty());
  std::vector<std::uint64_t> ids;
  for (const auto& rec : read.records) ids.push_back(std::stoull(rec.key.value().substr(3)));
  CHECK(ids == range(std::uint64_t(0), 30, 1));
}
