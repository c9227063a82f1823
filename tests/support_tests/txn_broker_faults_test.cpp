// Each fault the TxnBroker can inject (txn_broker_faults.hpp), and its
// cluster controls, seen at the wire with generated messages: what the
// client receives and what the log holds afterwards. Where a test must show
// that a response did NOT come, it pipelines a second request and checks
// that the second answer comes first, instead of waiting for a timeout.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "raw_client.hpp"
#include "txn_broker.hpp"
#include "txn_wire.hpp"

using namespace std::chrono_literals;

namespace {

namespace msg = kwire::protocol::messages;
namespace wire = kwire::test::wire;
using kwire::test::ApiFault;
using kwire::test::ApiFaultAction;
using kwire::test::HostileResponse;
using kwire::test::ProduceFault;
using kwire::test::ProduceFaultAction;
using kwire::test::RawClient;
using kwire::test::TxnBroker;
using kwire::test::TxnBrokerOptions;

constexpr std::int16_t kNotLeaderOrFollower = 6, kRequestTimedOut = 7, kUnknownTopicOrPartition = 3,
                       kCoordinatorNotAvailable = 15, kNotCoordinator = 16,
                       kNotEnoughReplicasAfterAppend = 20;

std::int64_t producer_id(RawClient& c) {
  auto id = wire::init_pid(c, std::nullopt);
  REQUIRE(id.error_code == 0);
  return id.producer_id;
}

// The next frame's correlation id (the frame is consumed).
std::int32_t next_correlation(RawClient& c) {
  auto frame = c.recv_frame();
  REQUIRE(frame.size() >= 4);
  return static_cast<std::int32_t>((std::uint32_t{frame[0]} << 24) | (std::uint32_t{frame[1]} << 16) |
                                   (std::uint32_t{frame[2]} << 8) | frame[3]);
}

msg::MetadataResponse metadata(RawClient& c, const std::string& topic, bool allow_create = true) {
  msg::MetadataRequest req;
  req.topics.emplace();
  msg::MetadataRequest::MetadataRequestTopic t;
  t.name = topic;
  req.topics->push_back(t);
  req.allow_auto_topic_creation = allow_create;
  return wire::call<msg::MetadataResponse>(c, req, 9);
}

bool closed_by_peer(RawClient& c) {
  try {
    (void)c.recv_frame();
    return false;
  } catch (const std::runtime_error& e) {
    return std::string(e.what()).find("peer closed") != std::string::npos;
  }
}

}  // namespace

TEST_CASE("TxnBroker faults: a chosen batch is refused, the next one judged normally", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 2);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  broker.add_produce_fault({ProduceFaultAction::refuse, kRequestTimedOut, {}, "f", 0, 0, -1, 1});
  // Partition 1's batch at sequence 0 does not match (other partition).
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 0, 4), std::nullopt, 1).base_offset == 0);
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 0, 4)).error == kRequestTimedOut);
  CHECK(broker.high_watermark("f", 0) == 0);
  // Consumed: the resend is written.
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 0, 4)).base_offset == 0);
  CHECK(broker.fault_counters().produce_faults_fired == 1);
}

TEST_CASE("TxnBroker faults: skip lets the first matches through", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  ProduceFault second{ProduceFaultAction::refuse, kRequestTimedOut, {}, "f", 0};
  second.skip = 1;
  broker.add_produce_fault(second);
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 0, 2)).base_offset == 0);
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 2, 2)).error == kRequestTimedOut);
  CHECK(wire::produce(c, "f", wire::batch(pid, 0, 2, 2)).base_offset == 2);
}

TEST_CASE("TxnBroker faults: written, then answered with an error", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  broker.add_produce_fault({ProduceFaultAction::write_then_error, kNotEnoughReplicasAfterAppend, {}, "f", 0, 0});
  auto first = wire::produce(c, "f", wire::batch(pid, 0, 0, 5));
  CHECK(first.error == kNotEnoughReplicasAfterAppend);
  CHECK(first.base_offset == -1);
  CHECK(broker.high_watermark("f", 0) == 5);
  // The retry with the same sequence is a duplicate: the original offset.
  auto retry = wire::produce(c, "f", wire::batch(pid, 0, 0, 5));
  CHECK(retry.error == 0);
  CHECK(retry.base_offset == 0);
  CHECK(broker.high_watermark("f", 0) == 5);
}

TEST_CASE("TxnBroker faults: a lost acknowledgement; the request behind it is answered", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  broker.add_produce_fault({ProduceFaultAction::drop_response, 0, {}, "f", 0, 0});
  const auto lost = wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 0, 2)), 9);
  const auto answered = wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 2, 2)), 9);
  CHECK(next_correlation(c) == answered);
  CHECK(lost != answered);
  CHECK(broker.high_watermark("f", 0) == 4);
  CHECK(broker.fault_counters().responses_dropped == 1);
}

TEST_CASE("TxnBroker faults: a late acknowledgement keeps the order of answers", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  ProduceFault late{ProduceFaultAction::delay_response, 0, {}, "f", 0, 0};
  late.delay = 300ms;
  broker.add_produce_fault(late);
  const auto start = std::chrono::steady_clock::now();
  const auto first = wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 0, 2)), 9);
  const auto second = wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 2, 2)), 9);
  CHECK(next_correlation(c) == first);
  CHECK(next_correlation(c) == second);
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
  CHECK(broker.high_watermark("f", 0) == 4);
  CHECK(broker.fault_counters().responses_delayed == 1);
}

TEST_CASE("TxnBroker faults: the connection cut before or after the write", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient setup("127.0.0.1", broker.port());
  const auto pid = producer_id(setup);
  {
    broker.add_produce_fault({ProduceFaultAction::cut_before_write, 0, {}, "f"});
    RawClient c("127.0.0.1", broker.port());
    wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 0, 3)), 9);
    CHECK(closed_by_peer(c));
    CHECK(broker.high_watermark("f", 0) == 0);
  }
  {
    broker.add_produce_fault({ProduceFaultAction::cut_after_write, 0, {}, "f"});
    RawClient c("127.0.0.1", broker.port());
    wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 0, 3)), 9);
    CHECK(closed_by_peer(c));
    CHECK(broker.high_watermark("f", 0) == 3);
  }
  CHECK(broker.fault_counters().connections_cut == 2);
}

TEST_CASE("TxnBroker faults: hostile Produce responses after the write", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient setup("127.0.0.1", broker.port());
  const auto pid = producer_id(setup);
  std::int32_t seq = 0;
  auto send_hostile = [&](HostileResponse kind, RawClient& c) {
    ProduceFault fault{ProduceFaultAction::hostile_response, 0, kind, "f"};
    broker.add_produce_fault(fault);
    auto correlation = wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, seq, 2)), 9);
    seq += 2;
    return correlation;
  };
  SECTION("wrong correlation id") {
    RawClient c("127.0.0.1", broker.port());
    auto sent = send_hostile(HostileResponse::wrong_correlation_id, c);
    CHECK(next_correlation(c) != sent);
  }
  SECTION("giant length") {
    RawClient c("127.0.0.1", broker.port());
    send_hostile(HostileResponse::giant_length, c);
    CHECK_THROWS_WITH(c.recv_frame(), Catch::Contains("too large"));
  }
  SECTION("half a frame, then FIN") {
    RawClient c("127.0.0.1", broker.port());
    send_hostile(HostileResponse::half_frame_then_fin, c);
    CHECK(closed_by_peer(c));
  }
  SECTION("garbage that does not decode") {
    RawClient c("127.0.0.1", broker.port());
    auto sent = send_hostile(HostileResponse::garbage, c);
    auto frame = c.recv_frame();
    kwire::protocol::Reader r(frame);
    msg::ResponseHeader header;
    REQUIRE_FALSE(header.decode(r, kwire::protocol::response_header_version(0, 9)));
    CHECK(header.correlation_id == sent);
    msg::ProduceResponse body;
    CHECK((body.decode(r, 9) || !r.ok()));
  }
  CHECK(broker.high_watermark("f", 0) == 2);
  CHECK(broker.fault_counters().hostile_responses == 1);
}

TEST_CASE("TxnBroker faults: added latency delays responses, which keep their order", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  broker.set_rtt(1, 300ms);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::int32_t> sent;
  for (int i = 0; i < 3; ++i)
    sent.push_back(wire::send_request(c, wire::produce_request("f", 0, wire::batch(pid, 0, 2 * i, 2)), 9));
  for (auto correlation : sent) CHECK(next_correlation(c) == correlation);
  CHECK(std::chrono::steady_clock::now() - start >= 300ms);
}

TEST_CASE("TxnBroker faults: a paused node reads no request until resumed", "[txn_broker][faults]") {
  TxnBrokerOptions options;
  options.nodes = 2;
  TxnBroker broker(options);
  broker.create_topic("f", 2);  // partition 1 is led by node 2
  RawClient c1("127.0.0.1", broker.port(1)), c2("127.0.0.1", broker.port(2));
  const auto pid = producer_id(c2);
  broker.pause_reading(1, true);
  const auto paused = wire::send_request(c1, wire::produce_request("f", 0, wire::batch(pid, 0, 0, 1)), 9);
  // A whole exchange with node 2 after it: node 1 still has not read its request.
  CHECK(wire::produce(c2, "f", wire::batch(pid, 0, 0, 1), std::nullopt, 1).base_offset == 0);
  CHECK(broker.produce_requests_seen() == 1);
  broker.pause_reading(1, false);
  CHECK(next_correlation(c1) == paused);
  CHECK(broker.produce_requests_seen() == 2);
}

TEST_CASE("TxnBroker cluster: leaders per partition, moves, NOT_LEADER_OR_FOLLOWER", "[txn_broker][faults]") {
  TxnBrokerOptions options;
  options.nodes = 3;
  TxnBroker broker(options);
  broker.create_topic("f", 3);
  RawClient n1("127.0.0.1", broker.port(1)), n2("127.0.0.1", broker.port(2));
  auto md = metadata(n2, "f");
  REQUIRE(md.brokers.size() == 3);
  REQUIRE(md.topics.at(0).partitions.size() == 3);
  for (const auto& p : md.topics[0].partitions) CHECK(p.leader_id == p.partition_index + 1);
  const auto pid = producer_id(n1);
  CHECK(wire::produce(n2, "f", wire::batch(pid, 0, 0, 1)).error == kNotLeaderOrFollower);
  CHECK(wire::produce(n1, "f", wire::batch(pid, 0, 0, 1)).base_offset == 0);
  broker.set_leader("f", 0, 2);
  auto moved = metadata(n1, "f").topics.at(0).partitions.at(0);
  CHECK(moved.leader_id == 2);
  CHECK(moved.leader_epoch == 1);
  CHECK(wire::produce(n1, "f", wire::batch(pid, 0, 1, 1)).error == kNotLeaderOrFollower);
  // The same log behind the new leader: the next sequence continues.
  CHECK(wire::produce(n2, "f", wire::batch(pid, 0, 1, 1)).base_offset == 1);
  CHECK(broker.fault_counters().not_leader_answers == 2);
}

TEST_CASE("TxnBroker cluster: the coordinator moves; others answer NOT_COORDINATOR", "[txn_broker][faults]") {
  TxnBrokerOptions options;
  options.nodes = 2;
  TxnBroker broker(options);
  RawClient n1("127.0.0.1", broker.port(1)), n2("127.0.0.1", broker.port(2));
  msg::FindCoordinatorRequest find;
  find.key = "tid";
  find.key_type = 1;
  CHECK(wire::call<msg::FindCoordinatorResponse>(n2, find, 3).node_id == 1);
  CHECK(wire::init_pid(n2, "tid").error_code == kNotCoordinator);
  CHECK(wire::init_pid(n1, "tid").error_code == 0);
  broker.set_coordinator(2);
  auto found = wire::call<msg::FindCoordinatorResponse>(n1, find, 3);
  CHECK(found.node_id == 2);
  CHECK(found.port == broker.port(2));
  CHECK(wire::init_pid(n1, "tid").error_code == kNotCoordinator);
  CHECK(wire::init_pid(n2, "tid").producer_epoch == 1);
  // An idempotent producer's InitProducerId goes to any node.
  CHECK(wire::init_pid(n1, std::nullopt).error_code == 0);
}

TEST_CASE("TxnBroker cluster: a stopped node refuses connections until started again", "[txn_broker][faults]") {
  TxnBrokerOptions options;
  options.nodes = 2;
  TxnBroker broker(options);
  const auto port = broker.port(2);
  RawClient open("127.0.0.1", port);
  broker.stop_node(2);
  CHECK(closed_by_peer(open));
  CHECK_THROWS_WITH(RawClient("127.0.0.1", port), Catch::Contains("cannot connect"));
  broker.start_node(2);
  CHECK(broker.port(2) == port);
  RawClient again("127.0.0.1", port);
  CHECK(metadata(again, "f").brokers.size() == 2);
}

TEST_CASE("TxnBroker cluster: a deleted topic is unknown", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("gone", 1);
  RawClient c("127.0.0.1", broker.port());
  const auto pid = producer_id(c);
  REQUIRE(wire::produce(c, "gone", wire::batch(pid, 0, 0, 1)).error == 0);
  broker.delete_topic("gone");
  CHECK(wire::produce(c, "gone", wire::batch(pid, 0, 1, 1)).error == kUnknownTopicOrPartition);
  CHECK(metadata(c, "gone", false).topics.at(0).error_code == kUnknownTopicOrPartition);
}

TEST_CASE("TxnBroker faults: API errors and a lost EndTxn response", "[txn_broker][faults]") {
  TxnBroker broker;
  broker.create_topic("f", 1);
  RawClient c("127.0.0.1", broker.port());
  broker.add_api_fault({22, ApiFaultAction::error, kCoordinatorNotAvailable, 1});
  CHECK(wire::init_pid(c, "tid").error_code == kCoordinatorNotAvailable);
  CHECK_FALSE(broker.transactional_producer("tid").has_value());  // no state change
  auto id = wire::init_pid(c, "tid");
  REQUIRE(id.error_code == 0);

  broker.add_api_fault({26, ApiFaultAction::drop_response, 0, 1});
  msg::EndTxnRequest end;
  end.transactional_id = "tid";
  end.producer_id = id.producer_id;
  end.producer_epoch = id.producer_epoch;
  end.committed = false;
  const auto lost = wire::send_request(c, end, 3);
  const auto answered = wire::send_request(c, end, 3);
  CHECK(next_correlation(c) == answered);
  CHECK(lost != answered);
  CHECK(broker.end_txn_requests() == 2);
  CHECK(broker.fault_counters().responses_dropped == 1);
}

TEST_CASE("TxnBroker faults: random Produce faults follow their seed", "[txn_broker][faults]") {
  auto run = [](std::uint64_t seed) {
    TxnBroker broker;
    broker.create_topic("f", 1);
    RawClient c("127.0.0.1", broker.port());
    const auto pid = producer_id(c);
    kwire::test::RandomProduceFaults random;
    random.seed = seed;
    random.per_mille = 500;
    random.actions = {ProduceFaultAction::refuse, ProduceFaultAction::write_then_error};
    random.errors = {kNotLeaderOrFollower, kRequestTimedOut};
    broker.set_random_produce_faults(random);
    std::vector<std::int16_t> answers;
    for (int i = 0; i < 40; ++i) answers.push_back(wire::produce(c, "f", wire::batch(pid, 0, i, 1)).error);
    return answers;
  };
  auto a = run(7), b = run(7);
  CHECK(a == b);
  CHECK(std::count(a.begin(), a.end(), 0) > 0);
  CHECK(std::count(a.begin(), a.end(), 0) < 40);
}
