// The TxnBroker's sockets and public API (see txn_broker.hpp): one thread runs
// an asio::io_context with an accept loop and one coroutine per connection
// that reads a request, answers it (requests on one connection are answered
// in order, as Kafka does) and reads the next. Public members lock the state.
#include "txn_broker.hpp"

// libstdc++'s configuration must precede Asio's (aligned_alloc choice).
#include <version>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <thread>

#include "kwire/protocol/errors.hpp"
#include "txn_broker_handlers.hpp"

namespace kwire::test {

using asio::ip::tcp;
using txn::BrokerState;
using txn::Reply;

namespace {

constexpr std::size_t kMaxFrame = 128 * 1024 * 1024;
// How often a waiting Fetch looks for new data, and the longest it waits.
constexpr auto kFetchPoll = std::chrono::milliseconds(5);
constexpr auto kFetchWaitCap = std::chrono::seconds(2);

asio::awaitable<bool> read_frame(tcp::socket& s, std::vector<std::uint8_t>& out) {
  std::uint8_t len[4];
  std::error_code ec;
  co_await asio::async_read(s, asio::buffer(len), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return false;
  std::size_t n = (std::size_t{len[0]} << 24) | (std::size_t{len[1]} << 16) | (std::size_t{len[2]} << 8) | len[3];
  if (n > kMaxFrame) co_return false;
  out.resize(n);
  co_await asio::async_read(s, asio::buffer(out), asio::redirect_error(asio::use_awaitable, ec));
  co_return !ec;
}

}  // namespace

struct TxnBroker::Impl {
  explicit Impl(TxnBrokerOptions options) : state(options) {}

  asio::awaitable<void> accept_loop() {
    while (true) {
      std::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::co_spawn(io, serve(std::move(s)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    std::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    std::vector<std::uint8_t> frame;
    asio::steady_timer timer(io);
    while (co_await read_frame(socket, frame)) {
      Reply reply = txn::handle_request(frame, state, false);
      if (reply.kind == Reply::Kind::wait) {
        auto deadline = std::chrono::steady_clock::now() + std::min<std::chrono::steady_clock::duration>(
                                                                reply.wait, kFetchWaitCap);
        while (reply.kind == Reply::Kind::wait) {
          timer.expires_after(kFetchPoll);
          co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
          reply = txn::handle_request(frame, state, std::chrono::steady_clock::now() >= deadline);
        }
      }
      if (reply.kind == Reply::Kind::close) break;
      if (reply.kind == Reply::Kind::respond) {
        co_await asio::async_write(socket, asio::buffer(reply.frame), asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      if (reply.close_after) break;
    }
    socket.close(ec);
  }

  BrokerState state;
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::thread thread;
};

TxnBroker::TxnBroker(TxnBrokerOptions options) : impl_(std::make_unique<Impl>(options)) {
  impl_->state.port = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TxnBroker::~TxnBroker() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t TxnBroker::port() const noexcept { return static_cast<std::uint16_t>(impl_->state.port); }

std::string TxnBroker::bootstrap() const { return "127.0.0.1:" + std::to_string(port()); }

void TxnBroker::create_topic(const std::string& name, int partitions) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.ensure_topic(name, partitions);
}

std::optional<std::int64_t> TxnBroker::committed_offset(const std::string& group, const std::string& topic,
                                                        std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto g = impl_->state.group_offsets.find(group);
  if (g == impl_->state.group_offsets.end()) return std::nullopt;
  auto it = g->second.find({topic, partition});
  if (it == g->second.end()) return std::nullopt;
  return it->second.offset;
}

int TxnBroker::control_batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->control_batches() : 0;
}

int TxnBroker::stored_batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? static_cast<int>(log->batches().size()) : 0;
}

std::int64_t TxnBroker::high_watermark(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->high_watermark() : 0;
}

std::int64_t TxnBroker::last_stable_offset(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->last_stable_offset() : 0;
}

std::vector<TxnAbortedRange> TxnBroker::aborted_transactions(const std::string& topic,
                                                             std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->aborted() : std::vector<TxnAbortedRange>{};
}

std::vector<std::vector<std::uint8_t>> TxnBroker::batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  std::vector<std::vector<std::uint8_t>> out;
  if (auto* log = impl_->state.partition(topic, partition))
    for (const auto& b : log->batches()) out.push_back(b.bytes);
  return out;
}

std::optional<TxnProducerIdentity> TxnBroker::transactional_producer(const std::string& transactional_id) const {
  std::lock_guard lock(impl_->state.mu);
  auto it = impl_->state.transactions.find(transactional_id);
  if (it == impl_->state.transactions.end()) return std::nullopt;
  return TxnProducerIdentity{it->second.producer_id, it->second.epoch, it->second.open};
}

void TxnBroker::drop_next_produce_responses(int n, bool close_connection) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.drop_produce_responses = n;
  impl_->state.drop_closes_connection = close_connection;
}

int TxnBroker::produce_requests_seen() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.produce_requests;
}

int TxnBroker::produce_responses_dropped() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.produce_responses_dropped;
}

int TxnBroker::duplicate_batches_seen() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.duplicate_batches;
}

int TxnBroker::produce_errors_seen(std::int16_t error_code) const {
  std::lock_guard lock(impl_->state.mu);
  auto it = impl_->state.produce_errors.find(error_code);
  return it == impl_->state.produce_errors.end() ? 0 : it->second;
}

int TxnBroker::init_producer_id_requests() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.init_producer_id_requests;
}

int TxnBroker::end_txn_requests() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.end_txn_requests;
}

}  // namespace kwire::test
