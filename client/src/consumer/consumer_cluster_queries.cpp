// ConsumerImpl's questions to the cluster (see consumer_impl.hpp):
// partitions_for(), list_offsets() and offsets by timestamp, each waiting for
// its answer on the io thread.
#include "consumer/consumer_impl.hpp"

#include "cluster/metadata_cache.hpp"
#include "kwire/net/errors.hpp"

namespace kwire::detail {

std::error_code ConsumerImpl::partitions_for(const std::string& topic, std::vector<std::int32_t>& partitions,
                                             std::chrono::milliseconds timeout) {
  auto found = std::make_shared<std::vector<std::int32_t>>();
  std::error_code ec = run_on_io(
      [cache = cache_, topic, timeout, found]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await cache->wait_for_topic(topic, timeout);
        if (ec == net::net_errc::request_timed_out) co_return make_error_code(consumer_errc::consumer_timeout);
        if (ec) co_return ec;
        if (const TopicMetadata* t = cache->topic(topic))
          for (const PartitionMetadata& p : t->partitions) found->push_back(p.partition);
        co_return std::error_code{};
      },
      timeout);
  if (!ec) partitions = *found;
  return ec;
}

std::error_code ConsumerImpl::list_offsets(std::span<const TopicPartition> partitions, std::int64_t timestamp,
                                           std::vector<std::int64_t>& offsets, std::chrono::milliseconds timeout) {
  const std::vector<std::int64_t> times(partitions.size(), timestamp);
  std::vector<OffsetAnswer> answers;
  if (std::error_code ec = lookup_offsets(partitions, times, answers, timeout)) return ec;
  offsets.clear();
  for (const OffsetAnswer& a : answers) offsets.push_back(a.offset);
  return {};
}

std::error_code ConsumerImpl::lookup_offsets(std::span<const TopicPartition> partitions,
                                             std::span<const std::int64_t> timestamps,
                                             std::vector<OffsetAnswer>& answers, std::chrono::milliseconds timeout) {
  std::vector<OffsetQuery> queries;
  for (std::size_t i = 0; i < partitions.size(); ++i)
    queries.push_back({intern(partitions[i].topic), partitions[i].partition, timestamps[i]});
  auto found = std::make_shared<std::vector<OffsetAnswer>>();
  const Clock::time_point deadline = Clock::now() + timeout;
  std::error_code ec = run_on_io(
      [cache = cache_, queries, found, deadline, isolation = config_.isolation_level,
       backoff = config_.retry_backoff]() -> asio::awaitable<std::error_code> {
        co_return co_await detail::lookup_offsets(*cache, queries, isolation, backoff, deadline, *found);
      },
      timeout);
  if (ec) return ec;
  answers = std::move(*found);
  return {};
}

}  // namespace kwire::detail
