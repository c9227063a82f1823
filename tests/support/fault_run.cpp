// A Producer run against a TxnBroker cluster for the fault suite (see fault_run.hpp).
#include "fault_run.hpp"

#include <catch2/catch.hpp>

#include <thread>

namespace kwire::test {

namespace {

using Clock = std::chrono::steady_clock;

Properties defaults(const TxnBroker& broker, const FaultRunOptions& o) {
  Properties p{{"bootstrap.servers", broker.bootstrap()},
               {"acks", "all"},
               {"enable.idempotence", "true"},
               {"max.in.flight.requests.per.connection", "5"},
               {"linger.ms", "2"},
               {"batch.size", "1024"},
               {"retry.backoff.ms", "20"},
               {"retry.backoff.max.ms", "200"},
               {"reconnect.backoff.ms", "20"},
               {"reconnect.backoff.max.ms", "200"},
               {"request.timeout.ms", "3000"},
               {"delivery.timeout.ms", "30000"}};
  if (o.transactional_id) p["transactional.id"] = *o.transactional_id;
  for (const auto& [k, v] : o.producer) p[k] = v;
  return p;
}

std::unique_ptr<TxnBroker> make_broker(const FaultRunOptions& o) {
  TxnBrokerOptions bo;
  bo.nodes = o.nodes;
  bo.default_partitions = o.partitions;
  bo.auto_create_topics = o.auto_create_topics;
  bo.socket_receive_buffer = o.socket_receive_buffer;
  auto broker = std::make_unique<TxnBroker>(bo);
  broker->create_topic(o.topic, o.partitions);
  return broker;
}

}  // namespace

FaultRun::FaultRun(FaultRunOptions options)
    : options_(std::move(options)),
      broker_(make_broker(options_)),
      producer_(std::make_unique<Producer>(defaults(*broker_, options_))) {}

FaultRun::~FaultRun() {
  if (!closed_) producer_->close(ms(0));
}

std::error_code FaultRun::send(std::uint64_t id, std::optional<std::int32_t> partition) {
  const std::int32_t p = partition.value_or(static_cast<std::int32_t>(id % static_cast<std::uint64_t>(options_.partitions)));
  const std::string key = "id-" + std::to_string(id);
  std::string value = "value-" + std::to_string(id) + "-";
  value.resize(std::max(value.size(), options_.value_size), 'x');
  Record r;
  r.topic = options_.topic;
  r.partition = p;
  r.key = as_bytes(key);
  r.value = as_bytes(value);
  r.user_id = id;
  {
    std::lock_guard lock(mu_);
    reports_[id];
  }
  auto ec = producer_->send(r, [this](std::error_code error, RecordMetadata md) {
    std::lock_guard lock(mu_);
    DeliveryReport& rep = reports_[md.user_id];
    ++rep.fired;
    rep.error = error;
    rep.metadata = std::move(md);
    ++fired_;
    cv_.notify_all();
  });
  std::lock_guard lock(mu_);
  if (ec) {
    reports_.erase(id);
  } else {
    sent_.push_back({id, p});
  }
  return ec;
}

void FaultRun::send_range(std::uint64_t first, std::uint64_t count) {
  for (std::uint64_t id = first; id < first + count; ++id) {
    auto ec = send(id);
    INFO("send id " << id << ": " << ec.message());
    REQUIRE_FALSE(ec);
  }
}

bool FaultRun::wait_reports(std::size_t count, ms timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return fired_ >= count; });
}

bool FaultRun::wait_until(const std::function<bool()>& done, ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(ms(2));  // polling the event's counter, not timing the test
  }
  return true;
}

FaultRun::ms FaultRun::timed(const std::function<void()>& call) {
  const auto start = Clock::now();
  call();
  return std::chrono::duration_cast<ms>(Clock::now() - start);
}

FaultRun::ms FaultRun::timed_flush(ms timeout, std::error_code& result) {
  return timed([&] { result = producer_->flush(timeout); });
}

FaultRun::ms FaultRun::timed_close(ms timeout) {
  closed_ = true;
  return timed([&] { producer_->close(timeout); });
}

std::map<std::uint64_t, DeliveryReport> FaultRun::reports() const {
  std::lock_guard lock(mu_);
  return reports_;
}

std::vector<LoggedId> FaultRun::read_log(Isolation isolation) {
  std::vector<ReadResult> all;
  if (options_.read_back == ReadBack::librdkafka) {
    all = read_partitions(broker_->bootstrap(), options_.topic, options_.partitions, isolation,
                          std::chrono::seconds(30));
  } else {
    for (std::int32_t p = 0; p < options_.partitions; ++p) {
      auto& read = all.emplace_back();
      for (auto& stored : broker_->records(options_.topic, p, isolation == Isolation::read_committed)) {
        auto& rec = read.records.emplace_back();
        rec.offset = stored.offset;
        rec.key = std::move(stored.key);
      }
    }
  }
  std::vector<LoggedId> out;
  for (std::int32_t p = 0; p < options_.partitions; ++p) {
    const auto& read = all[static_cast<std::size_t>(p)];
    INFO("reading partition " << p << ": " << read.error);
    REQUIRE(read.error.empty());
    for (const auto& rec : read.records) {
      REQUIRE(rec.key.has_value());
      REQUIRE(rec.key->rfind("id-", 0) == 0);
      out.push_back({p, rec.offset, std::stoull(rec.key->substr(3))});
    }
  }
  return out;
}

Verdict FaultRun::verdict(InvariantOptions options) {
  auto log = read_log(Isolation::read_uncommitted);
  std::vector<LoggedId> committed;
  if (options.committed) committed = read_log(Isolation::read_committed);
  std::lock_guard lock(mu_);
  return check_delivery_invariants(sent_, reports_, log, options, committed);
}

}  // namespace kwire::test
