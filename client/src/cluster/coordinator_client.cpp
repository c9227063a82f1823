// Coordinator lookup and the retry classification: see
// coordinator_client.hpp. io_context thread only.
#include "cluster/coordinator_client.hpp"

#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"

namespace kwire::detail {

using protocol::kafka_errc;

bool is_coordinator_retriable(std::error_code ec) noexcept {
  return ec == kafka_errc::concurrent_transactions || ec == kafka_errc::coordinator_load_in_progress ||
         ec == kafka_errc::request_timed_out || ec == kafka_errc::unknown_topic_or_partition;
}

bool is_coordinator_moved(std::error_code ec) noexcept {
  return ec == kafka_errc::not_coordinator || ec == kafka_errc::coordinator_not_available;
}

asio::awaitable<std::error_code> CoordinatorClient::find(CoordinatorType type, const std::string& key,
                                                         Clock::time_point deadline, std::int32_t& node) {
  auto it = known_.find({type, key});
  if (it != known_.end()) {
    node = it->second;
    co_return std::error_code();
  }
  protocol::messages::FindCoordinatorRequest request;
  request.key = key;
  request.key_type = static_cast<std::int8_t>(type);
  net::SendOptions options;
  options.max_version = 3;  // v4+ batches keys; one key is all we ask for
  // v0 has no key type: a broker answers it with the group coordinator of
  // the key, which is not the transaction coordinator.
  if (type != CoordinatorType::group) options.min_version = 1;
  (void)deadline;
  auto result = co_await pool_->send_any<protocol::messages::FindCoordinatorResponse>(request, options);
  if (result.error) co_return result.error;
  if (std::error_code ec = protocol::kafka_error(result.response.body.error_code)) co_return ec;
  node = result.response.body.node_id;
  // A coordinator the pool does not know yet (no metadata for it) cannot be
  // reached; the caller retries after a backoff, by when metadata arrived.
  if (!pool_->address_of(node)) co_return make_error_code(kafka_errc::coordinator_not_available);
  known_[{type, key}] = node;
  co_return std::error_code();
}

}  // namespace kwire::detail
