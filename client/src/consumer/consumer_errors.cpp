// The consumer's error category (see consumer_errors.hpp).
#include "kwire/consumer_errors.hpp"

#include <string>

namespace kwire {
namespace {

class ConsumerCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire.consumer"; }
  std::string message(int code) const override {
    switch (static_cast<consumer_errc>(code)) {
      case consumer_errc::partition_not_assigned: return "partition not assigned to this consumer";
      case consumer_errc::consumer_closed: return "consumer closed";
      case consumer_errc::consumer_timeout: return "consumer call did not complete in time";
      case consumer_errc::invalid_offset: return "invalid offset";
      case consumer_errc::no_group_id: return "no group.id configured (commits need a consumer group)";
      case consumer_errc::assignment_conflict:
        return "assign() and subscribe() do not mix: unsubscribe() or assign({}) first";
      case consumer_errc::unsupported_assignor:
        return "no assignor of partition.assignment.strategy is supported yet (range, roundrobin are)";
      case consumer_errc::poll_interval_exceeded:
        return "max.poll.interval.ms passed without a poll(): the consumer left its group";
      case consumer_errc::log_truncation:
        return "the partition's log was truncated below the position after a leader change "
               "(auto.offset.reset is none; seek to go on)";
    }
    return "unknown consumer error";
  }
};

}  // namespace

const std::error_category& consumer_category() noexcept {
  static const ConsumerCategory category;
  return category;
}

std::error_code make_error_code(consumer_errc e) noexcept { return {static_cast<int>(e), consumer_category()}; }

}  // namespace kwire
