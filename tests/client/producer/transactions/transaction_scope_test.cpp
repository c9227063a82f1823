// TransactionScope against the TxnBroker (it writes commit/abort markers, so
// librdkafka's read_committed reader shows what was committed): a committed
// scope's records are visible, a scope left without commit is aborted (its
// records written, then hidden), and the producer goes on with the next one.
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/producer.hpp"
#include "kwire/transaction_scope.hpp"
#include "log_reader.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;

namespace {

std::vector<std::string> values(const kwire::test::TxnBroker& broker, kwire::test::Isolation isolation) {
  auto read = kwire::test::read_partition(broker.bootstrap(), "scoped", 0, isolation, 20s);
  INFO("read error: " << read.error);
  REQUIRE(read.error.empty());
  std::vector<std::string> out;
  for (const auto& r : read.records) out.push_back(r.value.value_or(""));
  return out;
}

std::error_code send(kwire::Producer& producer, const char* value) {
  return producer.send(kwire::Record{.topic = "scoped", .partition = 0, .value = kwire::as_bytes(value)},
                       [](std::error_code, const kwire::RecordMetadata&) {});
}

}  // namespace

TEST_CASE("TransactionScope commits on commit() and aborts when left uncommitted", "[txn]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("scoped", 1);
  {
    kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()},
                              {"transactional.id", "tx-scope"},
                              {"linger.ms", "5"},
                              {"request.timeout.ms", "5000"},
                              {"delivery.timeout.ms", "10000"}});
    REQUIRE_FALSE(producer.init_transactions(10s));
    {
      kwire::TransactionScope txn(producer);
      REQUIRE_FALSE(send(producer, "kept"));
      REQUIRE_FALSE(txn.commit(10s));
      CHECK_FALSE(txn.open());
    }
    {
      kwire::TransactionScope txn(producer);
      REQUIRE_FALSE(send(producer, "dropped"));
      REQUIRE_FALSE(producer.flush(10s));  // written to the log, then aborted by leaving the scope
      CHECK(txn.open());
    }
    {
      kwire::TransactionScope txn(producer);  // begin works again: the last scope ended its transaction
      REQUIRE_FALSE(send(producer, "kept too"));
      REQUIRE_FALSE(txn.commit(10s));
    }
    // Outside a scope there is no transaction to send in.
    CHECK(send(producer, "outside") == kwire::errc::invalid_transaction_state);
  }
  CHECK(broker.aborted_transactions("scoped", 0).size() == 1);
  CHECK(values(broker, kwire::test::Isolation::read_committed) == std::vector<std::string>{"kept", "kept too"});
  CHECK(values(broker, kwire::test::Isolation::read_uncommitted) ==
        std::vector<std::string>{"kept", "dropped", "kept too"});
}

TEST_CASE("TransactionScope throws when no transaction can begin", "[txn]") {
  kwire::test::TxnBroker broker;
  kwire::Producer producer({{"bootstrap.servers", broker.bootstrap()}});  // no transactional.id
  CHECK_THROWS_AS(kwire::TransactionScope(producer), std::system_error);
}
