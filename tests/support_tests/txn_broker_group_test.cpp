// The TxnBroker's group coordinator at the wire (txn_broker_group_state.hpp),
// for the rules a kwire consumer alone does not show: KIP-394's
// MEMBER_ID_REQUIRED, the join phase waiting for a known member, Heartbeat's
// REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, and
// KIP-345: a known instance joining with no member id takes the old id's
// place with no rebalance when its metadata is unchanged (the old id then
// FENCED_INSTANCE_ID everywhere), and with a rebalance when it changed.
// Expected codes are Kafka's (protocol.html), not read from the broker.
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kwire/protocol/messages/heartbeat_request.hpp"
#include "kwire/protocol/messages/heartbeat_response.hpp"
#include "kwire/protocol/messages/join_group_request.hpp"
#include "kwire/protocol/messages/join_group_response.hpp"
#include "kwire/protocol/messages/leave_group_request.hpp"
#include "kwire/protocol/messages/leave_group_response.hpp"
#include "kwire/protocol/messages/offset_commit_request.hpp"
#include "kwire/protocol/messages/offset_commit_response.hpp"
#include "kwire/protocol/messages/sync_group_request.hpp"
#include "kwire/protocol/messages/sync_group_response.hpp"
#include "raw_client.hpp"
#include "txn_broker.hpp"
#include "txn_wire.hpp"

namespace txn_broker_group_test {

namespace msg = kwire::protocol::messages;
using kwire::test::RawClient;
using kwire::test::wire::call;
using kwire::test::wire::receive_response;
using kwire::test::wire::send_request;

constexpr std::int16_t kIllegalGeneration = 22, kUnknownMemberId = 25, kRebalanceInProgress = 27,
                       kMemberIdRequired = 79, kFencedInstanceId = 82;

const std::vector<std::uint8_t> kMetadataA{0, 1, 'a'}, kMetadataB{0, 1, 'b'};

msg::JoinGroupRequest join(const std::string& member_id, std::optional<std::string> instance,
                           const std::vector<std::uint8_t>& metadata) {
  msg::JoinGroupRequest req;
  req.group_id = "g";
  req.session_timeout_ms = 10000;
  req.rebalance_timeout_ms = 10000;
  req.member_id = member_id;
  req.group_instance_id = std::move(instance);
  req.protocol_type = "consumer";
  auto& p = req.protocols.emplace_back();
  p.name = "range";
  p.metadata = kwire::protocol::Bytes(metadata.data(), metadata.size());
  return req;
}

std::vector<std::uint8_t> bytes(const kwire::protocol::Bytes& b) { return {b.begin(), b.end()}; }

// A SyncGroup v5 answer, its assignment copied while the frame lives (decoded bytes are views into it).
struct SyncAnswer {
  std::int16_t error_code = 0;
  std::vector<std::uint8_t> assignment;
};

SyncAnswer receive_sync(RawClient& c, std::int32_t correlation) {
  const std::vector<std::uint8_t> frame = c.recv_frame();
  kwire::protocol::Reader r(frame);
  msg::ResponseHeader header;
  REQUIRE_FALSE(header.decode(r, kwire::protocol::response_header_version(msg::SyncGroupResponse::api_key, 5)));
  REQUIRE(header.correlation_id == correlation);
  msg::SyncGroupResponse resp;
  REQUIRE_FALSE(resp.decode(r, 5));
  return {resp.error_code, bytes(resp.assignment)};
}

SyncAnswer sync(RawClient& c, std::int32_t generation, const std::string& member_id,
                            std::optional<std::string> instance,
                            const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& assignments) {
  msg::SyncGroupRequest req;
  req.group_id = "g";
  req.generation_id = generation;
  req.member_id = member_id;
  req.group_instance_id = std::move(instance);
  for (const auto& [id, bytes] : assignments) {
    auto& a = req.assignments.emplace_back();
    a.member_id = id;
    a.assignment = kwire::protocol::Bytes(bytes.data(), bytes.size());
  }
  return receive_sync(c, send_request(c, req, 5));
}

std::int16_t heartbeat(RawClient& c, std::int32_t generation, const std::string& member_id,
                       std::optional<std::string> instance = std::nullopt) {
  msg::HeartbeatRequest req;
  req.group_id = "g";
  req.generation_id = generation;
  req.member_id = member_id;
  req.group_instance_id = std::move(instance);
  return call<msg::HeartbeatResponse>(c, req, 4).error_code;
}

}  // namespace txn_broker_group_test

TEST_CASE("txn_broker group: MEMBER_ID_REQUIRED, a join phase that waits for a known member, heartbeat errors",
          "[txn_broker][group]") {
  using namespace txn_broker_group_test;
  kwire::test::TxnBroker broker;
  RawClient c1("127.0.0.1", broker.port()), c2("127.0.0.1", broker.port());

  auto first = call<msg::JoinGroupResponse>(c1, join("", std::nullopt, kMetadataA), 9);
  REQUIRE(first.error_code == kMemberIdRequired);
  REQUIRE(!first.member_id.empty());
  const std::string m1 = first.member_id;
  auto joined = call<msg::JoinGroupResponse>(c1, join(m1, std::nullopt, kMetadataA), 9);
  REQUIRE(joined.error_code == 0);
  CHECK(joined.generation_id == 1);
  CHECK(joined.leader == m1);
  CHECK(joined.protocol_name == "range");
  REQUIRE(joined.members.size() == 1);
  REQUIRE(sync(c1, 1, m1, std::nullopt, {{m1, {1, 2, 3}}}).error_code == 0);
  CHECK(heartbeat(c1, 1, m1) == 0);

  // A second member: the group rebalances; its JoinGroup waits for the first to join again.
  auto second = call<msg::JoinGroupResponse>(c2, join("", std::nullopt, kMetadataB), 9);
  REQUIRE(second.error_code == kMemberIdRequired);
  const std::string m2 = second.member_id;
  const auto held = send_request(c2, join(m2, std::nullopt, kMetadataB), 9);
  // The first hears of the rebalance at its heartbeat (once the second has joined).
  std::int16_t hb = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (hb == 0 && std::chrono::steady_clock::now() < deadline) hb = heartbeat(c1, 1, m1);
  REQUIRE(hb == kRebalanceInProgress);
  CHECK(broker.group("g")->state == "PreparingRebalance");
  auto rejoined = call<msg::JoinGroupResponse>(c1, join(m1, std::nullopt, kMetadataA), 9);
  auto answered = receive_response<msg::JoinGroupResponse>(c2, held, 9);
  REQUIRE(rejoined.error_code == 0);
  REQUIRE(answered.error_code == 0);
  CHECK(rejoined.generation_id == 2);
  CHECK(answered.generation_id == 2);
  CHECK(rejoined.leader == m1);  // the leader stays
  CHECK(answered.leader == m1);
  CHECK(rejoined.members.size() == 2);
  CHECK(answered.members.empty());  // only the leader sees the members

  CHECK(heartbeat(c1, 1, m1) == kIllegalGeneration);
  CHECK(heartbeat(c1, 2, "nobody") == kUnknownMemberId);
  // The follower's SyncGroup waits for the leader's.
  const auto follower_sync = [&] {
    msg::SyncGroupRequest req;
    req.group_id = "g";
    req.generation_id = 2;
    req.member_id = m2;
    return send_request(c2, req, 5);
  }();
  REQUIRE(sync(c1, 2, m1, std::nullopt, {{m1, {1}}, {m2, {2}}}).error_code == 0);
  auto follower = receive_sync(c2, follower_sync);
  REQUIRE(follower.error_code == 0);
  CHECK(follower.assignment == std::vector<std::uint8_t>{2});
  CHECK(broker.group("g")->state == "Stable");
  CHECK(broker.group_counters().member_id_required == 2);
}

TEST_CASE("txn_broker group: a known group.instance.id rejoining takes the old member id's place (KIP-345)",
          "[txn_broker][group]") {
  using namespace txn_broker_group_test;
  kwire::test::TxnBroker broker;
  RawClient c("127.0.0.1", broker.port());

  // Static members need no MEMBER_ID_REQUIRED round.
  auto a = call<msg::JoinGroupResponse>(c, join("", "instance-a", kMetadataA), 7);
  REQUIRE(a.error_code == 0);
  const std::string old_id = a.member_id;
  CHECK(a.leader == old_id);
  REQUIRE(sync(c, a.generation_id, old_id, "instance-a", {{old_id, {7, 7}}}).error_code == 0);

  // Restarted (v7: leader ids before KIP-814), same metadata: a new id, same generation, no rebalance.
  auto again = call<msg::JoinGroupResponse>(c, join("", "instance-a", kMetadataA), 7);
  REQUIRE(again.error_code == 0);
  const std::string new_id = again.member_id;
  CHECK(new_id != old_id);
  CHECK(again.generation_id == a.generation_id);
  CHECK(again.leader == old_id);  // not its own id: it must not assign
  CHECK(again.members.empty());
  CHECK(broker.group("g")->state == "Stable");
  CHECK(broker.group("g")->rebalances == 1);
  auto kept = sync(c, again.generation_id, new_id, "instance-a", {});
  REQUIRE(kept.error_code == 0);
  CHECK(kept.assignment == std::vector<std::uint8_t>{7, 7});

  // The old id is fenced wherever it shows up.
  CHECK(heartbeat(c, a.generation_id, old_id, "instance-a") == kFencedInstanceId);
  CHECK(sync(c, a.generation_id, old_id, "instance-a", {}).error_code == kFencedInstanceId);
  CHECK(call<msg::JoinGroupResponse>(c, join(old_id, "instance-a", kMetadataA), 7).error_code == kFencedInstanceId);
  {
    msg::OffsetCommitRequest commit;
    commit.group_id = "g";
    commit.generation_id_or_member_epoch = a.generation_id;
    commit.member_id = old_id;
    commit.group_instance_id = "instance-a";
    auto& t = commit.topics.emplace_back();
    t.name = "t";
    t.partitions.emplace_back().committed_offset = 5;
    auto resp = call<msg::OffsetCommitResponse>(c, commit, 8);
    REQUIRE(resp.topics.size() == 1);
    CHECK(resp.topics[0].partitions[0].error_code == kFencedInstanceId);
    commit.member_id = new_id;
    CHECK(call<msg::OffsetCommitResponse>(c, commit, 8).topics[0].partitions[0].error_code == 0);
  }
  CHECK(heartbeat(c, again.generation_id, new_id, "instance-a") == 0);

  // v9 (KIP-814): the restarted leader is told it leads, with the members, and to skip the assignment.
  auto v9 = call<msg::JoinGroupResponse>(c, join("", "instance-a", kMetadataA), 9);
  REQUIRE(v9.error_code == 0);
  CHECK(v9.leader == v9.member_id);
  CHECK(v9.skip_assignment);
  CHECK(v9.members.size() == 1);
  CHECK(v9.generation_id == a.generation_id);

  // Changed metadata: the group rebalances for it.
  auto changed = call<msg::JoinGroupResponse>(c, join("", "instance-a", kMetadataB), 9);
  REQUIRE(changed.error_code == 0);
  CHECK(changed.generation_id == a.generation_id + 1);
  CHECK(broker.group("g")->rebalances == 2);
  CHECK(broker.group_counters().static_replacements == 3);

  // LeaveGroup v3+ by instance: a stale member id is fenced, the current one leaves.
  msg::LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members.push_back({old_id, std::string("instance-a"), std::nullopt, {}});
  auto refused = call<msg::LeaveGroupResponse>(c, leave, 5);
  REQUIRE(refused.members.size() == 1);
  CHECK(refused.members[0].error_code == kFencedInstanceId);
  leave.members[0].member_id = changed.member_id;
  CHECK(call<msg::LeaveGroupResponse>(c, leave, 5).members[0].error_code == 0);
  CHECK(broker.group("g")->state == "Empty");
}
