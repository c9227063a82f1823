// The producer's promise, checked after a run: every record sent got exactly
// one delivery report; a record reported delivered is in the log exactly
// once, in its partition, at the offset its report gave; nothing is in the
// log twice or that was never sent; each partition holds its records in the
// order they were sent; a record reported failed is in the log at most once,
// and not at all when its outcome says it was never written. The log comes
// from a reader we did not write (librdkafka, see log_reader.hpp).
// Pure functions over the data; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/record.hpp"

namespace kwire::test {

struct SentId {
  std::uint64_t id = 0;
  std::int32_t partition = -1;  // where it was sent
};

struct DeliveryReport {
  int fired = 0;
  std::error_code error;
  RecordMetadata metadata;
};

// One record as the reader found it.
struct LoggedId {
  std::int32_t partition = -1;
  std::int64_t offset = -1;
  std::uint64_t id = 0;
};

struct InvariantOptions {
  // acks=all: a delivered record must carry its offset (a duplicate answered
  // without one, DUPLICATE_SEQUENCE_NUMBER, is accepted when false).
  bool require_offsets = true;
  // Transactions: the ids a read_committed reader must see, exactly (each
  // once, in send order per partition); nullopt when not transactional.
  std::optional<std::set<std::uint64_t>> committed;
};

struct Verdict {
  std::vector<std::string> violations;  // empty when every invariant holds
  std::size_t sent = 0;
  std::size_t delivered = 0;
  std::size_t failed = 0;
  std::size_t failed_but_in_log = 0;  // failed reports whose record is in the log (allowed only if possibly written)
  std::size_t in_log = 0;
  bool ok() const noexcept { return violations.empty(); }
  // Counts and the first violations, for INFO().
  std::string describe() const;
};

// `log`: every record of the topic in a read_uncommitted view; `committed`:
// the read_committed view when options.committed is set.
Verdict check_delivery_invariants(const std::vector<SentId>& sent,
                                  const std::map<std::uint64_t, DeliveryReport>& reports,
                                  const std::vector<LoggedId>& log, const InvariantOptions& options = {},
                                  const std::vector<LoggedId>& committed = {});

}  // namespace kwire::test
