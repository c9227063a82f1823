// What the test relays (TlsRelay, SaslServer) do to the frames they pass:
// Metadata answers get their broker addresses rewritten, so a client that
// follows the metadata comes back through the relay. The two directions of
// one connection as coroutines on the relay's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "server_thread.hpp"

namespace kwire::test {

// Rewrites the broker list of one Metadata response frame (without its length
// prefix, starting at the correlation id) of the given version, v0 to v12.
// `map` returns the replacement host and port, or nullopt to keep an entry.
// False when the frame cannot be parsed (it is then left as it was).
using AddressMap = std::function<std::optional<std::pair<std::string, std::int32_t>>(const std::string&, std::int32_t)>;
bool rewrite_metadata_brokers(std::vector<std::uint8_t>& frame, std::int16_t version, const AddressMap& map);

// A relay's Metadata requests, remembered on the way to the broker so their
// answers can be rewritten on the way back (TlsRelay, SaslServer). One
// connection's; frames without their length prefix.
class MetadataAnswers {
 public:
  // Remembers a client's frame if it is a Metadata request (its version).
  void note_request(const std::vector<std::uint8_t>& frame);
  // A broker's frame answering a remembered Metadata request has its brokers
  // rewritten (rewrite_metadata_brokers); true when it was.
  bool rewrite_answer(std::vector<std::uint8_t>& frame, const AddressMap& map);

 private:
  std::map<std::int32_t, std::int16_t> versions_;  // correlation id -> Metadata version
};

// Frames from `client` to `upstream`, Metadata requests remembered, until
// either side fails.
template <typename ClientStream>
asio::awaitable<void> relay_requests(ClientStream& client, asio::ip::tcp::socket& upstream, MetadataAnswers& metadata) {
  frames::Frame frame;
  while (co_await frames::read(client, frame)) {
    metadata.note_request(frame);
    if (!co_await frames::write(upstream, frame)) break;
  }
}

// Frames from `upstream` to `client`, the answers to remembered Metadata
// requests rewritten with `map` (counted in `rewrites`), until either side
// fails.
template <typename ClientStream>
asio::awaitable<void> relay_answers(asio::ip::tcp::socket& upstream, ClientStream& client, MetadataAnswers& metadata,
                                    const AddressMap& map, std::atomic<int>& rewrites) {
  frames::Frame frame;
  while (co_await frames::read(upstream, frame)) {
    if (metadata.rewrite_answer(frame, map)) ++rewrites;
    if (!co_await frames::write(client, frame)) break;
  }
}

}  // namespace kwire::test
