// ApiVersionsPeer (see api_versions_peer.hpp): one coroutine per client on
// the server thread.
#include "api_versions_peer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
constexpr std::int16_t kApiVersions = 18, kMetadata = 3, kProduce = 0;
constexpr std::int16_t kUnsupportedVersion = 35;

frames::Frame api_versions_answer(std::int32_t correlation, std::int16_t version) {
  protocol::Writer w;
  w.i32(correlation);  // ApiVersions answers always use response header v0
  const bool supported = version <= 2;
  w.i16(supported ? 0 : kUnsupportedVersion);
  const std::int16_t table[][3] = {{kApiVersions, 0, 2}, {kMetadata, 0, 8}, {kProduce, 3, 8}};
  w.array_length(3);
  for (const auto& e : table) w.i16(e[0]), w.i16(e[1]), w.i16(e[2]);
  if (supported && version >= 1) w.i32(0);  // throttle_time_ms
  return w.release();
}

asio::awaitable<void> serve(tcp::socket socket, std::shared_ptr<ApiVersionsPeer::Counts> counts) {
  ++counts->connections;
  frames::Frame frame;
  while (co_await frames::read(socket, frame)) {
    protocol::Reader r(frame);
    const std::int16_t key = r.i16();
    const std::int16_t version = r.i16();
    const std::int32_t correlation = r.i32();
    if (!r.ok() || key != kApiVersions) break;
    if (!co_await frames::write(socket, api_versions_answer(correlation, version))) break;
    ++counts->answered;
  }
  std::error_code ignored;
  socket.close(ignored);
}

}  // namespace

ApiVersionsPeer::ApiVersionsPeer() : counts_(std::make_shared<Counts>()) {
  server_.accept(0, [this, counts = counts_](tcp::socket s) {
    asio::co_spawn(server_.io(), serve(std::move(s), counts), asio::detached);
  });
  server_.start();
}

ApiVersionsPeer::~ApiVersionsPeer() { server_.stop(); }

}  // namespace kwire::test
