// ApiVersionsPeer (see api_versions_peer.hpp): a reader and a writer
// coroutine per client on the server thread.
#include "api_versions_peer.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <deque>

#include "kwire/protocol/wire/reader.hpp"

namespace kwire::test {
namespace {

using asio::ip::tcp;
constexpr std::int16_t kApiVersions = 18, kMetadata = 3, kProduce = 0;

// While answers are held: takes one released answer, or false (nothing released).
bool take_released(ApiVersionsPeer::Counts& counts) {
  int n = counts.released.load();
  while (n > 0)
    if (counts.released.compare_exchange_weak(n, n - 1)) return true;
  return false;
}

// One client: the reader queues answers, the writer sends them (when not
// held), so requests are still read while their answers wait.
struct Session {
  explicit Session(tcp::socket s) : socket(std::move(s)), wake(socket.get_executor()) {}
  tcp::socket socket;
  std::deque<frames::Frame> answers;
  asio::steady_timer wake;  // the writer waits on it for an answer or a release
  bool reading = true;
};

asio::awaitable<void> write_answers(std::shared_ptr<Session> session, std::shared_ptr<ApiVersionsPeer::Counts> counts) {
  for (;;) {
    const bool may_write =
        !session->answers.empty() && (!counts->holding.load() || take_released(*counts));
    if (may_write) {
      frames::Frame answer = std::move(session->answers.front());
      session->answers.pop_front();
      if (!co_await frames::write(session->socket, answer)) break;
      ++counts->answered;
      continue;
    }
    if (!session->reading) break;
    session->wake.expires_at(std::chrono::steady_clock::time_point::max());
    // Held: release_answers wakes it (the reader wakes it for a new answer).
    if (!session->answers.empty()) counts->waiting.push_back(std::shared_ptr<asio::steady_timer>(session, &session->wake));
    std::error_code ignored;
    co_await session->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  std::error_code ignored;
  session->socket.close(ignored);
}

asio::awaitable<void> serve(std::shared_ptr<Session> session, std::shared_ptr<ApiVersionsPeer::Counts> counts) {
  ++counts->connections;
  asio::co_spawn(session->socket.get_executor(), write_answers(session, counts), asio::detached);
  frames::Frame frame;
  while (co_await frames::read(session->socket, frame)) {
    protocol::Reader r(frame);
    const std::int16_t key = r.i16();
    const std::int16_t version = r.i16();
    const std::int32_t correlation = r.i32();
    if (!r.ok() || key != kApiVersions) break;
    ++counts->read;
    session->answers.push_back(
        frames::api_versions_answer(correlation, version, {{kApiVersions, 0, 2}, {kMetadata, 0, 8}, {kProduce, 3, 8}}));
    session->wake.cancel();
  }
  // The writer sends what it may of the queue, then closes the socket.
  session->reading = false;
  session->wake.cancel();
}

}  // namespace

ApiVersionsPeer::ApiVersionsPeer() : counts_(std::make_shared<Counts>()) {
  server_.accept(0, [this, counts = counts_](tcp::socket s) {
    asio::co_spawn(server_.io(), serve(std::make_shared<Session>(std::move(s)), counts), asio::detached);
  });
  server_.start();
}

void ApiVersionsPeer::release_answers(int n) {
  counts_->released += n;
  // Wakes the held sessions on the server thread; each takes what it may.
  asio::post(server_.io(), [counts = counts_] {
    auto waiting = std::move(counts->waiting);
    counts->waiting.clear();
    for (auto& weak : waiting)
      if (auto timer = weak.lock()) timer->cancel();
  });
}

ApiVersionsPeer::~ApiVersionsPeer() { server_.stop(); }

}  // namespace kwire::test
