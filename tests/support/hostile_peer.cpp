// HostilePeer: per connection, serve ApiVersions honestly (v0-3 answered
// in the v0 layout with the KIP-511 fallback), then send the configured fault
// and keep reading until the client closes.
#include "hostile_peer.hpp"

#include <random>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "server_thread.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
using frames::Frame;
constexpr std::int16_t kApiVersions = 18;

asio::awaitable<bool> write_raw(tcp::socket& s, const Frame& bytes) {
  std::error_code ec;
  co_await asio::async_write(s, asio::buffer(bytes), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

Frame with_length(const protocol::Writer& body) {
  protocol::Writer w;
  w.i32(static_cast<std::int32_t>(body.owned().size()));
  w.raw(body.owned());
  return w.release();
}

// ApiVersions, Metadata and Produce: enough for a client to pick versions.
Frame api_versions_answer(std::int32_t correlation, std::int16_t version) {
  protocol::Writer body;
  body.raw(frames::api_versions_answer(correlation, version, {{kApiVersions, 0, 2}, {3, 0, 8}, {0, 3, 8}}));
  return with_length(body);
}

Frame fault_bytes(HostileFault fault, std::int32_t correlation) {
  switch (fault) {
    case HostileFault::giant_length_prefix: return {0x7f, 0xff, 0xff, 0xf0, 0, 0, 0, 1};
    case HostileFault::negative_length_prefix: return {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1};
    case HostileFault::short_frame: return {0, 0, 0, 2, 0, 1};
    case HostileFault::half_frame_then_close: {
      Frame f{0, 0, 0, 100};
      f.resize(14, 0x41);
      return f;
    }
    case HostileFault::wrong_correlation_id: {
      protocol::Writer w;
      w.i32(correlation + 1000);
      w.i16(0);
      w.array_length(0);
      return with_length(w);
    }
    case HostileFault::garbage_bytes: {
      std::mt19937 rng(20261123);
      Frame f(64 * 1024);
      for (auto& b : f) b = static_cast<std::uint8_t>(rng());
      return f;
    }
    case HostileFault::silence: return {};
    case HostileFault::announce_gigabyte: {
      protocol::Writer w;
      w.i32(1 << 30);
      w.i32(correlation);
      w.i16(0);
      w.i32(0);
      return w.release();
    }
  }
  return {};
}

}  // namespace

struct HostilePeer::Impl {
  Impl(HostileFault f, bool early, std::shared_ptr<State> st) : fault(f), misbehave_early(early), state(std::move(st)) {}
  Impl(Responder r, std::shared_ptr<State> st)
      : fault(HostileFault::silence), misbehave_early(false), responder(std::move(r)), state(std::move(st)) {}

  void start() {
    server.accept(0, [this](tcp::socket s) {
      asio::co_spawn(io, serve(std::make_shared<tcp::socket>(std::move(s))), asio::detached);
    });
    server.start();
  }

  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket) {
    Frame frame;
    bool faulted = false;
    while (co_await frames::read(*socket, frame, 16 * 1024 * 1024)) {
      protocol::Reader r(frame);
      std::int16_t key = r.i16();
      std::int16_t version = r.i16();
      std::int32_t correlation = r.i32();
      if (faulted) continue;  // keep reading: we are waiting for the client to give up
      if (key == kApiVersions && !misbehave_early) {
        if (!co_await write_raw(*socket, api_versions_answer(correlation, version))) break;
        continue;
      }
      if (responder) {
        ++state->faults_sent;
        if (!co_await write_raw(*socket, responder(key, version, correlation))) break;
        continue;
      }
      faulted = true;
      ++state->faults_sent;
      if (!co_await write_raw(*socket, fault_bytes(fault, correlation))) break;
      if (fault == HostileFault::half_frame_then_close) {
        std::error_code ignored;
        socket->shutdown(tcp::socket::shutdown_send, ignored);
      }
    }
    // Our read failed: the client closed (or reset) the connection.
    {
      std::lock_guard lock(state->mutex);
      ++state->client_closes;
    }
    state->cv.notify_all();
  }

  HostileFault fault;
  bool misbehave_early;
  Responder responder;  // set: answer every request after ApiVersions with its bytes
  std::shared_ptr<State> state;
  ServerThread server;
  asio::io_context& io = server.io();
};

HostilePeer::HostilePeer(HostileFault fault, bool misbehave_on_api_versions)
    : state_(std::make_shared<State>()),
      impl_(std::make_unique<Impl>(fault, misbehave_on_api_versions, state_)) {
  impl_->start();
}

HostilePeer::HostilePeer(Responder responder)
    : state_(std::make_shared<State>()), impl_(std::make_unique<Impl>(std::move(responder), state_)) {
  impl_->start();
}

HostilePeer::~HostilePeer() { impl_->server.stop(); }

std::uint16_t HostilePeer::port() const noexcept { return impl_->server.port(); }

bool HostilePeer::wait_for_client_close(std::chrono::milliseconds limit) {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, limit, [&] { return state_->client_closes > 0; });
}

}  // namespace kwire::test
