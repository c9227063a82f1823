// NetworkThread: the one thread that runs the client's io_context.
#include "kwire/net/network_thread.hpp"

namespace kwire::net {

NetworkThread::NetworkThread(Start when) : work_(asio::make_work_guard(context_)) {
  if (when == Start::now) start();
}

NetworkThread::~NetworkThread() { stop(); }

void NetworkThread::start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
}

void NetworkThread::run() {
  id_.store(std::this_thread::get_id(), std::memory_order_release);
  context_.run();
}

void NetworkThread::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  if (in_network_thread()) return;  // cannot join ourselves; the owner must stop from outside
  thread_.join();
}

void NetworkThread::halt() {
  work_.reset();
  context_.stop();
  if (!thread_.joinable()) return;
  if (in_network_thread()) {
    thread_.detach();  // cannot join ourselves; the thread ends after the running handler
    return;
  }
  thread_.join();
}

}  // namespace kwire::net
