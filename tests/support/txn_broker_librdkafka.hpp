// Writes test data through librdkafka's transactional producer (a client we
// did not write): a list of transactions, each committed or aborted, so
// tests of readers (kwire consume, kwire's consumer) get a log with real
// markers and aborted ranges from the TxnBroker. Tests only; blocking; any
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kwire::test {

enum class TxnEnd {
  commit,
  abort,
  leave_open,  // flushed, never ended: the producer is closed with it open
};

struct PlannedTransaction {
  std::vector<std::pair<std::int32_t, std::string>> records;  // (partition, value)
  TxnEnd end = TxnEnd::commit;
};

// Runs init_transactions once, then each transaction in order (records are
// flushed before an abort, so aborted records really reach the log; a
// leave_open transaction should be the last). Returns "" on success, else
// librdkafka's error text.
std::string run_librdkafka_transactions(const std::string& bootstrap, const std::string& transactional_id,
                                        const std::string& topic, const std::vector<PlannedTransaction>& plan);

}  // namespace kwire::test
