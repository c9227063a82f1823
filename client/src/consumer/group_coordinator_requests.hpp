// What GroupMembership's files share (group_membership.hpp): sending to the
// group coordinator (to_coordinator is a member template, defined here so
// every file that sends can instantiate it) and the errors that end a
// generation.
#pragma once

#include <optional>

#include "consumer/group_membership.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

// The coordinator no longer knows this member's generation: join again.
// (FENCED_INSTANCE_ID is not one: it ends the membership, see is_fatal in
// group_membership.cpp.)
inline bool is_fenced(std::error_code ec) {
  return ec == protocol::kafka_errc::illegal_generation || ec == protocol::kafka_errc::unknown_member_id;
}

template <typename Resp, typename Req>
asio::awaitable<std::error_code> GroupMembership::to_coordinator(const Req& request, std::chrono::milliseconds timeout,
                                                                 std::optional<std::int16_t> min_version,
                                                                 std::optional<std::int16_t> max_version,
                                                                 net::Response<Resp>& response) {
  std::int32_t node = -1;
  std::error_code ec =
      co_await offsets_->coordinator().find(CoordinatorType::group, options_.group_id, Clock::now() + timeout, node);
  if (ec) co_return coordinator_error(ec);
  net::SendOptions send;
  send.timeout = timeout;
  send.min_version = min_version;
  send.max_version = max_version;
  auto result = co_await cache_->pool().send<Resp>(node, request, send);
  if (result.error) co_return coordinator_error(result.error);
  response = std::move(result.response);
  co_return std::error_code{};
}

}  // namespace kwire::detail
