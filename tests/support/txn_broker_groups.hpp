// What a test can read of the TxnBroker's group coordinator
// (txn_broker_group_state.hpp): a group as the coordinator holds it, and
// how often it answered the answers that show KIP-394 and KIP-345 at work.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kwire::test {

struct TxnGroupMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::vector<std::uint8_t> assignment;  // ConsumerProtocol bytes the leader gave it
};

struct TxnGroupView {
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable
  std::int32_t generation = 0;
  std::string protocol;  // the generation's assignor
  std::string leader;    // member id
  std::vector<TxnGroupMember> members;
  int rebalances = 0;  // join phases begun
};

struct TxnGroupCounters {
  int member_id_required = 0;   // MEMBER_ID_REQUIRED answers
  int fenced_instance_id = 0;   // FENCED_INSTANCE_ID answers, every API
  int static_replacements = 0;  // a known group.instance.id joined with a new member id
  int leave_group_members = 0;  // members removed by LeaveGroup
  int session_expiries = 0;     // members removed when their session ended
};

}  // namespace kwire::test
