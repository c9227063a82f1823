// NetworkThread: the one thread that runs the client's io_context.
#include "kwire/net/network_thread.hpp"

namespace kwire::net {

NetworkThread::NetworkThread() : work_(asio::make_work_guard(context_)), thread_([this] { context_.run(); }) {}

NetworkThread::~NetworkThread() { stop(); }

void NetworkThread::stop() {
  if (!thread_.joinable()) return;
  work_.reset();
  if (in_network_thread()) return;  // cannot join ourselves; the owner must stop from outside
  thread_.join();
}

}  // namespace kwire::net
