// OrderRecordingPeer (see order_recording_peer.hpp): one coroutine per client
// on the server thread; frames are read in 64 KiB chunks so a pause takes
// effect mid-frame.
#include "order_recording_peer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <algorithm>
#include <atomic>

#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "server_thread.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
constexpr std::int16_t kApiVersions = 18, kMetadata = 3;
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

struct OrderRecordingPeer::Impl {
  explicit Impl(std::shared_ptr<State> st) : state(std::move(st)) {}

  asio::awaitable<void> wait_while_paused() {
    while (paused.load()) {
      std::error_code ignored;
      co_await resume.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }

  // Reads exactly buffer.size() bytes, pausing between chunks when asked.
  asio::awaitable<bool> read_chunked(tcp::socket& socket, std::uint8_t* data, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
      co_await wait_while_paused();
      const std::size_t chunk = std::min(kChunk, size - done);
      std::error_code ec;
      co_await asio::async_read(socket, asio::buffer(data + done, chunk), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return false;
      done += chunk;
    }
    co_return true;
  }

  asio::awaitable<void> serve(std::shared_ptr<tcp::socket> socket, int connection) {
    for (;;) {
      std::uint8_t prefix[4];
      if (!co_await read_chunked(*socket, prefix, sizeof prefix)) break;
      const std::size_t size = (std::size_t{prefix[0]} << 24) | (std::size_t{prefix[1]} << 16) |
                               (std::size_t{prefix[2]} << 8) | prefix[3];
      if (size > frames::kMaxFrame) break;
      frames::Frame frame(size);
      if (!co_await read_chunked(*socket, frame.data(), size)) break;
      protocol::Reader r(frame);
      ReceivedRequest request;
      request.connection = connection;
      request.api_key = r.i16();
      request.api_version = r.i16();
      request.correlation_id = r.i32();
      r.nullable_string();  // client id (request header v1)
      if (!r.ok()) break;
      frames::Frame answer;
      if (request.api_key == kApiVersions) {
        answer = frames::api_versions_answer(request.correlation_id, request.api_version,
                                             {{kApiVersions, 0, 2}, {kMetadata, 0, 0}});
      } else {
        if (request.api_key == kMetadata && request.api_version == 0) {
          const std::int32_t topics = r.i32();
          if (r.ok() && topics > 0) request.tag = std::string(r.string());
        }
        protocol::Writer w;
        w.i32(request.correlation_id);
        if (request.api_key == kMetadata) w.i32(0), w.i32(0);  // no brokers, no topics
        answer = w.release();
        {
          std::lock_guard lock(state->mutex);
          state->received.push_back(std::move(request));
        }
        state->cv.notify_all();
      }
      if (!co_await frames::write(*socket, answer)) break;
    }
    std::error_code ignored;
    socket->close(ignored);
  }

  std::shared_ptr<State> state;
  ServerThread server;
  asio::io_context& io = server.io();
  std::atomic<bool> paused{false};
  asio::steady_timer resume{io, std::chrono::steady_clock::time_point::max()};
  std::vector<std::weak_ptr<tcp::socket>> sockets;  // server thread only
};

OrderRecordingPeer::OrderRecordingPeer()
    : state_(std::make_shared<State>()), impl_(std::make_unique<Impl>(state_)) {
  Impl* impl = impl_.get();
  impl->server.accept(0, [impl](tcp::socket s) {
    int number = 0;
    {
      std::lock_guard lock(impl->state->mutex);
      number = ++impl->state->connections;
    }
    auto socket = std::make_shared<tcp::socket>(std::move(s));
    impl->sockets.push_back(socket);
    asio::co_spawn(impl->io, impl->serve(socket, number), asio::detached);
  });
  impl->server.start();
}

OrderRecordingPeer::~OrderRecordingPeer() { impl_->server.stop(); }

std::uint16_t OrderRecordingPeer::port() const { return impl_->server.port(); }

void OrderRecordingPeer::pause_reading() { impl_->paused.store(true); }

void OrderRecordingPeer::resume_reading() {
  impl_->paused.store(false);
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] { impl->resume.cancel(); });
}

void OrderRecordingPeer::drop_connections() {
  Impl* impl = impl_.get();
  asio::post(impl->io, [impl] {
    for (auto& weak : impl->sockets) {
      if (auto socket = weak.lock()) {
        std::error_code ignored;
        socket->close(ignored);
      }
    }
    impl->sockets.clear();
  });
}

std::vector<ReceivedRequest> OrderRecordingPeer::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

std::vector<std::string> OrderRecordingPeer::received_tags() const {
  std::vector<std::string> tags;
  for (const auto& r : received()) tags.push_back(r.tag);
  return tags;
}

bool OrderRecordingPeer::wait_for_received(std::size_t count, std::chrono::milliseconds limit) const {
  std::unique_lock lock(state_->mutex);
  return state_->cv.wait_for(lock, limit, [&] { return state_->received.size() >= count; });
}

int OrderRecordingPeer::connections() const {
  std::lock_guard lock(state_->mutex);
  return state_->connections;
}

}  // namespace kwire::test
