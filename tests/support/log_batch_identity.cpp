// Record identities from the batch headers of a raw Fetch: see
// log_batch_identity.hpp.
#include "log_batch_identity.hpp"

#include <sstream>
#include <stdexcept>
#include <vector>

#include "kwire/net/config.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "raw_client.hpp"
#include "raw_produce.hpp"

namespace kwire::test {

namespace {

std::map<std::int64_t, RecordIdentity> identities_in(const std::vector<std::uint8_t>& log) {
  std::map<std::int64_t, RecordIdentity> out;
  kwire::protocol::records::BatchReader reader(kwire::protocol::Bytes(log.data(), log.size()));
  while (reader.next_batch()) {
    const auto& b = reader.batch();
    if (b.control) continue;
    // Offset deltas of a producer's batch run 0..count-1, as do its sequences.
    for (std::int32_t i = 0; i < b.record_count; ++i)
      out[b.base_offset + i] = RecordIdentity{b.producer_id, b.producer_epoch, b.base_sequence + i};
  }
  if (reader.error()) throw std::runtime_error("batch identities: " + reader.error().message());
  return out;
}

}  // namespace

std::map<std::int64_t, RecordIdentity> read_record_identities(const std::string& bootstrap,
                                                              const std::string& topic, std::int32_t partition) {
  std::string failures;
  std::stringstream servers(bootstrap);
  for (std::string server; std::getline(servers, server, ',');) {
    std::string host;
    std::uint16_t port = 0;
    if (!kwire::net::parse_host_port(server, host, port)) continue;
    try {
      RawClient client(host, port);
      return identities_in(raw_fetch_all(client, topic, partition));
    } catch (const std::exception& e) {
      // Not the leader (NOT_LEADER_OR_FOLLOWER), or down: the next one.
      failures += " " + server + ": " + e.what() + ";";
    }
  }
  throw std::runtime_error("no broker served " + topic + "/" + std::to_string(partition) + ":" + failures);
}

}  // namespace kwire::test
