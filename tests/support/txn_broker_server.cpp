// The TxnBroker's nodes and cluster controls (see txn_broker.hpp and
// txn_broker_impl.hpp): one io thread runs an accept loop per node and a
// Session per connection; stopping a node closes its listener and
// connections, starting it listens on the same port again. Leader moves,
// coordinator moves and topic deletion change the shared state under its
// mutex. Public members: any thread except the broker's own.
#include "txn_broker_impl.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <future>

namespace kwire::test {

using asio::ip::tcp;

TxnBroker::Impl::Impl(TxnBrokerOptions options) : state(options) {}

asio::awaitable<void> TxnBroker::Impl::accept_loop(std::int32_t node, std::shared_ptr<tcp::acceptor> acceptor) {
  while (true) {
    std::error_code ec;
    tcp::socket s = co_await acceptor->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !acceptor->is_open()) co_return;
    {
      std::lock_guard lock(state.mu);
      ++state.faults.counters.connections_accepted;
    }
    auto session = std::make_shared<txn::Session>(std::move(s), node, state);
    auto& sessions = nodes[static_cast<std::size_t>(node - 1)].sessions;
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    sessions.push_back(session);
    session->start();
  }
}

void TxnBroker::Impl::start_listening(std::int32_t node) {
  Node& n = nodes[static_cast<std::size_t>(node - 1)];
  if (n.acceptor) return;
  std::uint16_t port = 0;
  {
    std::lock_guard lock(state.mu);
    port = static_cast<std::uint16_t>(state.ports[static_cast<std::size_t>(node - 1)]);
  }
  // Port 0 the first time; the same port again after a stop.
  auto acceptor = std::make_shared<tcp::acceptor>(io);
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  acceptor->open(endpoint.protocol());
  acceptor->set_option(tcp::acceptor::reuse_address(true));
  acceptor->bind(endpoint);
  acceptor->listen();
  {
    std::lock_guard lock(state.mu);
    state.ports[static_cast<std::size_t>(node - 1)] = acceptor->local_endpoint().port();
  }
  n.acceptor = acceptor;
  asio::co_spawn(io, accept_loop(node, acceptor), asio::detached);
}

void TxnBroker::Impl::stop_listening(std::int32_t node) {
  Node& n = nodes[static_cast<std::size_t>(node - 1)];
  if (n.acceptor) {
    std::error_code ec;
    n.acceptor->close(ec);
    n.acceptor.reset();
  }
  for (auto& weak : n.sessions)
    if (auto session = weak.lock()) session->close();
  n.sessions.clear();
}

void TxnBroker::Impl::run_on_io(std::function<void()> fn) {
  std::promise<void> done;
  asio::post(io, [&] {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

TxnBroker::TxnBroker(TxnBrokerOptions options) : impl_(std::make_unique<Impl>(options)) {
  const int count = std::max(options.nodes, 1);
  impl_->state.ports.assign(static_cast<std::size_t>(count), 0);
  impl_->nodes.resize(static_cast<std::size_t>(count));
  for (std::int32_t node = 1; node <= count; ++node) impl_->start_listening(node);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TxnBroker::~TxnBroker() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t TxnBroker::port(std::int32_t node) const {
  std::lock_guard lock(impl_->state.mu);
  return static_cast<std::uint16_t>(impl_->state.ports.at(static_cast<std::size_t>(node - 1)));
}

std::string TxnBroker::bootstrap() const {
  std::string out;
  for (std::int32_t node = 1; node <= nodes(); ++node)
    out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(port(node));
  return out;
}

int TxnBroker::nodes() const noexcept { return static_cast<int>(impl_->nodes.size()); }

void TxnBroker::create_topic(const std::string& name, int partitions) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.ensure_topic(name, partitions);
}

void TxnBroker::delete_topic(const std::string& name) {
  std::lock_guard lock(impl_->state.mu);
  auto& s = impl_->state;
  s.topics.erase(name);
  std::erase_if(s.moved_leaders, [&](const auto& entry) { return entry.first.first == name; });
}

void TxnBroker::set_leader(const std::string& topic, std::int32_t partition, std::int32_t node) {
  std::lock_guard lock(impl_->state.mu);
  auto& s = impl_->state;
  auto current = s.leader_of(topic, partition);
  s.moved_leaders[{topic, partition}] = {node, current.epoch + 1};
  if (txn::PartitionLog* log = s.partition(topic, partition)) log->begin_epoch(current.epoch + 1);
}

void TxnBroker::unclean_leader_election(const std::string& topic, std::int32_t partition, std::int32_t node,
                                        std::int64_t new_end) {
  std::lock_guard lock(impl_->state.mu);
  auto& s = impl_->state;
  auto current = s.leader_of(topic, partition);
  txn::PartitionLog* log = s.partition(topic, partition);
  if (log) log->truncate(new_end);
  s.moved_leaders[{topic, partition}] = {node, current.epoch + 1};
  if (log) log->begin_epoch(current.epoch + 1);
}

std::int32_t TxnBroker::leader(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.leader_of(topic, partition).node;
}

void TxnBroker::advertise(std::vector<TxnApiVersions> ranges) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.options.advertise = std::move(ranges);
}

void TxnBroker::set_coordinator(std::int32_t node) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.coordinator = node;
}

void TxnBroker::stop_node(std::int32_t node) {
  impl_->run_on_io([this, node] { impl_->stop_listening(node); });
}

void TxnBroker::start_node(std::int32_t node) {
  impl_->run_on_io([this, node] { impl_->start_listening(node); });
}

}  // namespace kwire::test
