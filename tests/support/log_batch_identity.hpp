// The producer identity (producer id, epoch, sequence) each record of a
// partition carries in the log, read from the record batches' headers with a
// raw Fetch (the librdkafka consumer of log_reader.hpp does not expose them).
// Lets a check tell a batch the broker wrote twice under one identity (a
// retry the broker should have recognised) from a client that sent the same
// records again under a new sequence or epoch. Test-only; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kwire::test {

struct RecordIdentity {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t sequence = -1;  // the batch's base sequence + the record's offset delta
  friend auto operator<=>(const RecordIdentity&, const RecordIdentity&) = default;
};

// Offset -> identity of every data record (control batches skipped) of
// `topic`/`partition`, fetched from whichever broker of `bootstrap`
// ("host:port,...") leads it. Throws std::runtime_error when none answers.
std::map<std::int64_t, RecordIdentity> read_record_identities(const std::string& bootstrap,
                                                              const std::string& topic, std::int32_t partition);

}  // namespace kwire::test
