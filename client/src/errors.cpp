// The client error category: names and explanations for kwire::errc.
#include "kwire/errors.hpp"

namespace kwire {
namespace {

class ClientCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "kwire"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::unknown_config_key: return "unknown configuration property";
      case errc::invalid_config_value: return "invalid configuration value";
      case errc::conflicting_config: return "conflicting configuration values";
      case errc::queue_full: return "queue full: buffer.memory or queue.buffering.max.messages is used up (non-blocking send)";
      case errc::buffer_exhausted_timeout: return "buffer.memory or queue.buffering.max.messages still full after max.block.ms";
      case errc::metadata_timeout: return "topic or partition not known after max.block.ms";
      case errc::record_too_large: return "record larger than max.request.size or buffer.memory";
      case errc::invalid_partition: return "partition out of range for the topic";
      case errc::invalid_record: return "invalid record";
      case errc::producer_closed: return "producer closed";
      case errc::delivery_timeout: return "record not delivered within delivery.timeout.ms";
      case errc::batch_full: return "batch full";
      case errc::flush_timeout: return "flush timed out";
      case errc::would_deadlock: return "blocking call on the producer's own thread";
      case errc::invalid_transaction_state: return "operation not allowed in the current transaction state";
      case errc::transaction_aborted: return "the record's transaction was aborted";
      case errc::transaction_abortable: return "the transaction failed and must be aborted";
      case errc::transaction_timeout: return "transactional operation timed out; call it again";
      case errc::transactions_unavailable: return "transactions are not available on this producer";
      case errc::invalid_topic:
        return "invalid topic name (1 to 249 of a-z A-Z 0-9 . _ -, not \".\" or \"..\")";
      case errc::purged_queue: return "purged from the producer's queue before it was sent";
      case errc::purged_in_flight: return "purged while awaiting a retry (its outcome says whether it may be in the log)";
      case errc::all_brokers_down: return "all brokers are down (none reachable); still trying";
    }
    return "unknown kwire error";
  }
};

}  // namespace

const std::error_category& client_category() noexcept {
  static const ClientCategory category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), client_category()}; }

}  // namespace kwire
