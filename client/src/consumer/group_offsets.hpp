// A consumer group's committed offsets: OffsetCommit and OffsetFetch sent to
// the group coordinator (FindCoordinator key_type 0, through the shared
// CoordinatorClient and its retries: coordinator moved or loading, lost
// connections). With assign() only (no group membership) commits carry
// generation -1 and no member id, as the Java client's do.
// io_context thread only.
#pragma once

#include <asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "cluster/coordinator_client.hpp"

namespace kwire::detail {

struct OffsetEntry {
  const std::string* topic = nullptr;
  std::int32_t partition = 0;
  std::int64_t offset = -1;        // -1 in a fetch answer: nothing committed
  std::int32_t leader_epoch = -1;
  std::string metadata;
  std::error_code error;           // per partition, in answers
};

// Who commits: the group generation and member (-1 and "" without membership).
struct GroupMember {
  std::int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> instance_id;
};

class GroupOffsets {
 public:
  using Clock = std::chrono::steady_clock;

  GroupOffsets(std::shared_ptr<net::ConnectionPool> pool, std::string group_id, std::chrono::milliseconds backoff)
      : coordinator_(std::move(pool), backoff), group_id_(std::move(group_id)) {}

  // Commits `entries` (each gets its partition's answer in `error`); returns
  // the first partition error, or the request's.
  asio::awaitable<std::error_code> commit(std::vector<OffsetEntry>& entries, const GroupMember& member,
                                          Clock::time_point deadline);
  // Fills offset, leader epoch and metadata of each entry from the group's
  // committed offsets (offset -1 where there is none).
  asio::awaitable<std::error_code> fetch(std::vector<OffsetEntry>& entries, bool require_stable,
                                         Clock::time_point deadline);

  const std::string& group_id() const noexcept { return group_id_; }
  CoordinatorClient& coordinator() noexcept { return coordinator_; }

 private:
  CoordinatorClient coordinator_;
  std::string group_id_;
};

}  // namespace kwire::detail
