// NetworkThread: the one thread that runs the client's io_context; and the
// threads that finish an owner let go on its own network thread.
#include "kwire/net/network_thread.hpp"

#include <mutex>
#include <vector>

namespace kwire::net {

namespace {

// The threads finish_in_background() started: each joined by a later call
// once its work is done, the rest at exit.
class BackgroundThreads {
 public:
  BackgroundThreads() = default;
  BackgroundThreads(const BackgroundThreads&) = delete;
  BackgroundThreads& operator=(const BackgroundThreads&) = delete;
  ~BackgroundThreads() {
    // Work still running may start more (an owner's close letting another go).
    for (;;) {
      std::vector<Worker> left;
      {
        std::lock_guard lock(mu_);
        left.swap(workers_);
      }
      if (left.empty()) return;
      for (Worker& w : left) w.thread.join();
    }
  }

  void start(std::function<void()> work) {
    std::lock_guard lock(mu_);
    std::erase_if(workers_, [](Worker& w) {
      if (!w.done->load(std::memory_order_acquire)) return false;
      w.thread.join();  // its work is over: it is returning
      return true;
    });
    auto done = std::make_shared<std::atomic<bool>>(false);
    std::thread thread([work = std::move(work), done]() mutable {
      work();
      work = nullptr;  // what it held goes before the thread counts as done
      done->store(true, std::memory_order_release);
    });
    workers_.push_back(Worker{std::move(thread), std::move(done)});
  }

 private:
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex mu_;
  std::vector<Worker> workers_;
};

BackgroundThreads& background_threads() {
  static BackgroundThreads threads;
  return threads;
}

}  // namespace

void finish_in_background(std::function<void()> work) { background_threads().start(std::move(work)); }

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
  // On the network thread itself the thread cannot be joined: it ends after
  // the running handler and is joined from outside by stop() or the destructor.
  if (!thread_.joinable() || in_network_thread()) return;
  thread_.join();
}

}  // namespace kwire::net
