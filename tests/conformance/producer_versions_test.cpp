// kwire's transactional producer at every version it can negotiate: one
// TxnBroker per round advertises exactly one version of every API the
// producer sends (forced_versions.hpp), kwire commits one transaction
// (records on two partitions and consumer offsets) and aborts another, and
// the traffic of all rounds is captured on loopback. Then:
// - every request of a forced API went out at the round's version (so each
//   version from kwire's lowest to its highest was really sent);
// - `kwire wire check` decodes every frame against the specs, re-encodes it
//   byte for byte and finds no violation;
// - librdkafka (read_committed) reads back exactly the committed records of
//   every round, through the same broker with its default ranges.
// The last round is the highest version of every API: the producer end to
// end at Produce v11, Metadata v12, InitProducerId v5, AddOffsetsToTxn v4,
// TxnOffsetCommit v4, EndTxn v4, FindCoordinator v3, AddPartitionsToTxn v3.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conformance_capture.hpp"
#include "forced_versions.hpp"
#include "round_check.hpp"
#include "version_matrix.hpp"
#include "kwire/producer.hpp"
#include "log_reader.hpp"
#include "txn_broker.hpp"

using namespace std::chrono_literals;
namespace conf = kwire::test::conformance;
using conf::Json;

namespace {

const std::string kProduceTopic = "conformance";

std::string committed_value(int round, int i) { return "r" + std::to_string(round) + "-committed-" + std::to_string(i); }
std::string aborted_value(int round, int i) { return "r" + std::to_string(round) + "-aborted-" + std::to_string(i); }

// One transaction committed with offsets, one aborted; "" or what failed.
std::string run_producer(const std::string& bootstrap, int round) {
  kwire::Producer producer(kwire::Properties{{"bootstrap.servers", bootstrap},
                                             {"transactional.id", "conformance-" + std::to_string(round)},
                                             {"linger.ms", "0"}});
  if (auto ec = producer.init_transactions(10s)) return "init_transactions: " + ec.message();
  // Group metadata and the leader epoch only where the round's TxnOffsetCommit
  // carries them (v3+, v2+): kwire refuses to drop them silently (see
  // txn_offset_commit_semantics_test.cpp).
  const auto txn_offset_commit = conf::version_in_round(conf::producer_api(28), round);
  kwire::ConsumerGroupMetadata group;
  group.group_id = "conformance-group";
  if (txn_offset_commit >= 3) {
    group.generation_id = 7;
    group.member_id = "member-7";
  }
  const std::int32_t leader_epoch = txn_offset_commit >= 2 ? 3 : -1;
  for (int t = 0; t < 2; ++t) {
    if (auto ec = producer.begin_transaction()) return "begin_transaction: " + ec.message();
    for (int i = 0; i < 4; ++i) {
      kwire::Record record;
      record.topic = kProduceTopic;
      record.partition = i % 2;
      const std::string value = t == 0 ? committed_value(round, i) : aborted_value(round, i);
      record.value = kwire::as_bytes(value);
      if (auto ec = producer.send(record, [](std::error_code, kwire::RecordMetadata) {})) return "send: " + ec.message();
    }
    if (t == 0) {
      if (auto ec = producer.send_offsets_to_transaction({{"input", 0, 42, std::string("meta"), leader_epoch}}, group, 10s))
        return "send_offsets_to_transaction: " + ec.message();
      if (auto ec = producer.commit_transaction(10s)) return "commit_transaction: " + ec.message();
    } else {
      if (auto ec = producer.flush(10s)) return "flush: " + ec.message();
      if (auto ec = producer.abort_transaction(10s)) return "abort_transaction: " + ec.message();
    }
  }
  producer.close(10s);
  return "";
}

struct Round {
  int round;
  std::unique_ptr<kwire::test::TxnBroker> broker;
};

}  // namespace

TEST_CASE("kwire's producer at every version it negotiates: sent as forced, conforming, read back by librdkafka",
          "[conformance][versions][capture]") {
  std::vector<Round> rounds;
  std::vector<std::uint16_t> ports;
  std::map<std::uint16_t, int> round_of_port;
  for (int r = 0; r < conf::rounds(); ++r) {
    kwire::test::TxnBrokerOptions options;
    options.advertise = conf::advertise_round(r);
    auto broker = std::make_unique<kwire::test::TxnBroker>(options);
    broker->create_topic(kProduceTopic, 2);
    ports.push_back(broker->port());
    round_of_port[broker->port()] = r;
    rounds.push_back({r, std::move(broker)});
  }

  const std::string path = "/tmp/kwire-conformance-versions-" + std::to_string(getpid()) + ".pcapng";
  std::string why;
  const bool captured = conf::capture_traffic(path, ports, [&] {
    for (auto& r : rounds) {
      INFO("round " << r.round);
      CHECK(run_producer(r.broker->bootstrap(), r.round) == "");
    }
  }, why);
  conf::VersionMatrix matrix;
  for (auto& r : rounds) {
    INFO("round " << r.round);
    r.broker->advertise({});  // librdkafka reads with the broker's default ranges
    auto parts = kwire::test::read_partitions(r.broker->bootstrap(), kProduceTopic, 2, kwire::test::Isolation::read_committed);
    REQUIRE(parts.size() == 2);
    bool read_back = true;
    for (int p = 0; p < 2; ++p) {
      const auto& part = parts[static_cast<std::size_t>(p)];
      CHECK(part.error == "");
      std::vector<std::string> values;
      for (const auto& rec : part.records) values.push_back(rec.value.value_or("<null>"));
      const std::vector<std::string> expected{committed_value(r.round, p), committed_value(r.round, p + 2)};
      CHECK(values == expected);
      read_back = read_back && part.error.empty() && values == expected;
    }
    CHECK(r.broker->committed_offset("conformance-group", "input", 0) == std::optional<std::int64_t>(42));
    CHECK(r.broker->control_batches(kProduceTopic, 0) == 2);
    if (read_back)
      for (const auto& api : conf::producer_apis())
        matrix.at(api.key, conf::version_in_round(api, r.round)).end_to_end.insert("TxnBroker, read back by librdkafka");
  }
  if (!captured) {
    WARN("capture on lo impossible here, frames not checked: " << why);
    return;
  }
  conf::check_rounds(path, ports, round_of_port, conf::producer_apis(), matrix);
  std::remove(path.c_str());
  matrix.write_if_asked("kwire's transactional producer, every version forced (producer_versions_test.cpp)");
}
