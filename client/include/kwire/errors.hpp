// Errors the client itself produces (as opposed to Kafka error codes from a
// broker, which live in kwire/protocol/errors.hpp). Every public call reports
// failures as std::error_code values of this category or the Kafka category.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace kwire {

enum class errc {
  // Configuration (raised at construction; see ConfigError for the message).
  unknown_config_key = 1,
  invalid_config_value,
  conflicting_config,
  // send() and friends.
  queue_full,                 // buffer.memory or queue.buffering.max.messages used up, not blocking
                              // (manual poll mode, or Record::when_full = fail_at_once)
  buffer_exhausted_timeout,   // waited max.block.ms for buffer.memory or a record slot
  metadata_timeout,           // topic or partition unknown after max.block.ms
  record_too_large,           // record larger than max.request.size or buffer.memory
  invalid_partition,          // explicit partition outside the topic's partitions
  invalid_record,             // e.g. an empty batch
  producer_closed,            // send after close(), or left over at close()
  delivery_timeout,           // not acknowledged within delivery.timeout.ms
  batch_full,                 // direct batch control: append() found no room
  flush_timeout,              // flush(timeout) returned before everything was delivered
  would_deadlock,             // a blocking call made on the producer's own thread
  // Transactions (transactional.id). A fenced producer or another fatal error
  // is reported with the broker's Kafka error code (e.g. PRODUCER_FENCED).
  invalid_transaction_state,  // e.g. begin twice, commit without begin, send outside a transaction
  transaction_aborted,        // the record's transaction was aborted before it was sent
  transaction_abortable,      // an earlier failure in this transaction: abort_transaction() it
  transaction_timeout,        // init/commit/abort/send_offsets did not finish in time: call it again
  transactions_unavailable,   // no transactional.id configured, or a backend without transactions
  // send() again (added later: the numbers above stay as they were).
  invalid_topic,              // a topic name Kafka refuses: 1 to 249 of [a-zA-Z0-9._-], not "." or ".."
  purged_queue,               // Producer::purge() dropped the record before any attempt left the client
  purged_in_flight,           // Producer::purge({.in_flight = true}) gave up on a record sent and awaiting a retry
  // ProducerConfig::on_error (added later).
  all_brokers_down,           // no broker or bootstrap server is usable; the client keeps trying
};

const std::error_category& client_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// send() and partitions_for() against a cluster none of whose bootstrap
// servers could be reached before max.block.ms report it instead of
// errc::metadata_timeout, with an error of this category that names the
// address: "connection refused to 127.0.0.1:9092", "cannot connect to
// host:9092: <reason>". It compares equal to the cause's condition, e.g.
// ec == std::errc::connection_refused.
const std::error_category& connection_error_category() noexcept;

// Thrown by constructors taking a configuration: names the key and why.
class ConfigError : public std::invalid_argument {
 public:
  ConfigError(std::error_code code, const std::string& what) : std::invalid_argument(what), code_(code) {}
  std::error_code code() const noexcept { return code_; }

 private:
  std::error_code code_;
};

}  // namespace kwire

template <>
struct std::is_error_code_enum<kwire::errc> : std::true_type {};
