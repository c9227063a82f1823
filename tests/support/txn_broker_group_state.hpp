// The TxnBroker's classic-protocol group coordinator (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup; txn_broker_group_coordinator.cpp keeps the rules,
// txn_broker_group_handlers.cpp speaks the wire), kept as Kafka's
// GroupCoordinator keeps a group:
// - states Empty -> PreparingRebalance (the join phase: it ends when every
//   known member has joined again, or at the rebalance timeout, the largest
//   of the members'; dynamic members that did not join are dropped) ->
//   CompletingRebalance (the generation is out; the leader's SyncGroup
//   hands out the assignments) -> Stable;
// - a new dynamic member at JoinGroup v4+ gets MEMBER_ID_REQUIRED and an id
//   to join with (KIP-394); a member's session ends session.timeout.ms after
//   its last JoinGroup/SyncGroup/Heartbeat, unless it waits for a join or a
//   sync answer;
// - static members (KIP-345, group.instance.id): a known instance that joins
//   with no member id gets a new one and takes the old one's place and
//   assignment; in a stable group with unchanged protocols that is no
//   rebalance (Kafka rebalances only when the chosen protocol would change
//   and leaves subscription changes to the leader, KIP-814; this broker also
//   rebalances when the member's metadata changed). From then on the old
//   member id is FENCED_INSTANCE_ID (JoinGroup, SyncGroup, Heartbeat,
//   OffsetCommit, LeaveGroup). A static member that did not join again stays
//   through a rebalance until its session ends.
// Requests that wait (JoinGroup in the join phase, a follower's SyncGroup
// before the leader's) are kept by connection and correlation id: the
// connection asks again every few milliseconds (Reply::Kind::wait) and gets
// the answer once the group has it. Time is read at each request: sessions
// end and join phases close when a request of the group looks.
// Threads: every function here needs BrokerState::mu held.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "txn_broker_groups.hpp"

namespace kwire::test::txn {

using GroupClock = std::chrono::steady_clock;
using GroupBytes = std::vector<std::uint8_t>;

// One waiting request: the connection and the request's correlation id.
using WaitKey = std::pair<std::uint64_t, std::int32_t>;

struct GroupProtocol {
  std::string name;
  GroupBytes metadata;
  friend bool operator==(const GroupProtocol&, const GroupProtocol&) = default;
};

struct ClassicMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::vector<GroupProtocol> protocols;  // preferred first
  std::chrono::milliseconds session_timeout{0};
  std::chrono::milliseconds rebalance_timeout{0};
  GroupClock::time_point session_deadline{};
  bool joined = false;  // has joined in the current join phase
  GroupBytes assignment;
  std::optional<WaitKey> join_waiter, sync_waiter;
};

// What a waiting JoinGroup or SyncGroup is answered with.
struct GroupAnswer {
  bool ready = false;
  std::int16_t error = 0;
  // JoinGroup
  std::int32_t generation = -1;
  std::string protocol_type, protocol_name, leader, member_id;
  bool skip_assignment = false;
  struct Member {
    std::string member_id;
    std::optional<std::string> instance_id;
    GroupBytes metadata;
  };
  std::vector<Member> members;
  // SyncGroup
  GroupBytes assignment;
};

struct ClassicGroup {
  enum class State { empty, preparing_rebalance, completing_rebalance, stable } state = State::empty;
  std::int32_t generation = 0;
  std::string protocol_type;
  std::string protocol_name;  // chosen for the generation
  std::string leader;         // member id
  std::map<std::string, ClassicMember> members;              // by member id
  std::map<std::string, std::string> static_members;         // instance id -> member id
  std::map<std::string, GroupClock::time_point> pending;     // MEMBER_ID_REQUIRED given, not yet joined
  GroupClock::time_point join_deadline{};
  int rebalances = 0;  // join phases begun
};

struct GroupCoordinatorState {
  std::map<std::string, ClassicGroup> groups;
  std::map<WaitKey, GroupAnswer> waiting;  // requests held for their answer
  TxnGroupCounters counters;
  std::uint64_t next_member = 1;
};

// ---- the rules (txn_broker_group_coordinator.cpp; mu held) ------------------
struct JoinInput {
  std::string group_id, member_id, protocol_type;
  std::optional<std::string> instance_id;
  std::chrono::milliseconds session_timeout{0}, rebalance_timeout{0};
  std::vector<GroupProtocol> protocols;
  std::int16_t version = 0;
  WaitKey key;
};

// Ends sessions and join phases that are due in `group_id` (and drops
// answers nobody will collect). Every request of the group calls it first.
void group_tick(GroupCoordinatorState& c, const std::string& group_id, GroupClock::time_point now);
// A JoinGroup: its answer now (ready) or, not ready, the request waits
// under `in.key` until group_answer() has one.
GroupAnswer group_join(GroupCoordinatorState& c, const JoinInput& in, GroupClock::time_point now);
// A SyncGroup; waits like a join when the leader has not synced yet.
GroupAnswer group_sync(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                       const std::string& member_id, const std::optional<std::string>& instance_id,
                       const std::vector<std::pair<std::string, GroupBytes>>& assignments, WaitKey key,
                       GroupClock::time_point now);
std::int16_t group_heartbeat(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                             const std::string& member_id, const std::optional<std::string>& instance_id,
                             GroupClock::time_point now);
// One member of a LeaveGroup (v3+ name the instance too).
std::int16_t group_leave(GroupCoordinatorState& c, const std::string& group_id, const std::string& member_id,
                         const std::optional<std::string>& instance_id, GroupClock::time_point now);
// May this OffsetCommit be stored? generation -1 with no member: only for a
// group with no members (simple commits of assign()ing consumers).
std::int16_t group_commit_check(GroupCoordinatorState& c, const std::string& group_id, std::int32_t generation,
                                const std::string& member_id, const std::optional<std::string>& instance_id);
// A held request's answer: ready, or nullopt while it must wait. `give_up`:
// the request must be answered now (REBALANCE_IN_PROGRESS, and the member
// stops waiting).
std::optional<GroupAnswer> group_answer(GroupCoordinatorState& c, WaitKey key, bool give_up);

// ---- protocols and answers (txn_broker_group_answers.cpp; mu held) ---------
// Does one of `protocols` suit every member but `except`?
bool shares_protocol(const ClassicGroup& g, const std::vector<GroupProtocol>& protocols, const std::string& except);
// The protocol every member supports that most members prefer (each votes
// for the first of its list that all support); ties go to the leader's order.
std::string select_protocol(const ClassicGroup& g);
// The generation as a member is told it; the leader (`with_members`) also
// gets every member's metadata for the chosen protocol.
GroupAnswer join_answer(const ClassicGroup& g, const ClassicMember& m, bool with_members);
// The member's assignment in the current generation.
GroupAnswer sync_answer(const ClassicGroup& g, const ClassicMember& m);
const char* group_state_name(ClassicGroup::State s) noexcept;

}  // namespace kwire::test::txn
