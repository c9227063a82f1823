// One ListOffsets request (see offset_lookup.hpp).
#include "consumer/offset_lookup.hpp"

#include "consumer/request_topics.hpp"

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <map>

#include "kwire/consumer_errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;

// librdkafka 2.0.2's mock writes the v4+ leader epoch of ListOffsets as 8
// bytes; v3 has all a consumer needs (isolation level from v2, a record's
// timestamp from v1).
constexpr std::int16_t kListOffsetsMaxVersion = 3;

}  // namespace

asio::awaitable<std::vector<OffsetAnswer>> list_offsets_once(net::ConnectionPool& pool, std::int32_t leader,
                                                             const std::vector<OffsetQuery>& queries,
                                                             IsolationLevel isolation) {
  msg::ListOffsetsRequest req;
  req.replica_id = -1;
  req.isolation_level = static_cast<std::int8_t>(isolation);
  for (const OffsetQuery& q : queries) {
    msg::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition lp;
    lp.partition_index = q.partition;
    lp.timestamp = q.timestamp;
    topic_entry(req.topics, *q.topic).partitions.push_back(lp);
  }
  net::SendOptions opts;
  opts.max_version = kListOffsetsMaxVersion;
  // The isolation level exists from v2; older versions answer the high
  // watermark, not the last stable offset.
  if (isolation == IsolationLevel::read_committed) opts.min_version = 2;
  auto result = co_await pool.send<msg::ListOffsetsResponse>(leader, req, opts);
  // A partition the broker did not answer keeps this error.
  std::vector<OffsetAnswer> answers(queries.size(),
                                    OffsetAnswer{result.error ? result.error
                                                              : make_error_code(protocol::kafka_errc::unknown_server_error)});
  if (result.error) co_return answers;
  for (const auto& rt : result.response.body.topics) {
    for (const auto& rp : rt.partitions) {
      for (std::size_t i = 0; i < queries.size(); ++i) {
        if (queries[i].partition != rp.partition_index || *queries[i].topic != rt.name) continue;
        OffsetAnswer& a = answers[i];
        a.error = protocol::kafka_error(rp.error_code);
        a.offset = rp.offset;
        a.timestamp = rp.timestamp;
        if (result.response.version == 0) a.offset = rp.old_style_offsets.empty() ? -1 : rp.old_style_offsets.front();
      }
    }
  }
  co_return answers;
}

asio::awaitable<std::error_code> lookup_offsets(MetadataCache& cache, std::vector<OffsetQuery> queries,
                                                IsolationLevel isolation, std::chrono::milliseconds backoff,
                                                std::chrono::steady_clock::time_point deadline,
                                                std::vector<OffsetAnswer>& answers) {
  answers.assign(queries.size(), OffsetAnswer{make_error_code(consumer_errc::consumer_timeout)});
  std::vector<bool> done(queries.size(), false);
  for (const OffsetQuery& q : queries) cache.add_topic(*q.topic);
  for (;;) {
    std::map<std::int32_t, std::vector<std::size_t>> by_leader;
    bool waiting = false;
    for (std::size_t i = 0; i < queries.size(); ++i) {
      if (done[i]) continue;
      auto leader = cache.leader(*queries[i].topic, queries[i].partition);
      if (leader && *leader >= 0) by_leader[*leader].push_back(i);
      else waiting = true;
    }
    for (auto& [leader, indices] : by_leader) {
      std::vector<OffsetQuery> batch;
      for (std::size_t i : indices) batch.push_back(queries[i]);
      std::vector<OffsetAnswer> got = co_await list_offsets_once(cache.pool(), leader, batch, isolation);
      for (std::size_t j = 0; j < indices.size(); ++j) {
        const std::error_code ec = got[j].error;
        if (ec && (protocol::is_retriable(ec) || net::is_retriable_net_error(ec))) {
          cache.on_error(ec);
          waiting = true;
          continue;
        }
        if (ec) co_return ec;
        answers[indices[j]] = got[j];
        done[indices[j]] = true;
      }
    }
    if (!waiting) co_return std::error_code{};
    cache.request_refresh();
    if (std::chrono::steady_clock::now() + backoff >= deadline) co_return make_error_code(consumer_errc::consumer_timeout);
    asio::steady_timer timer(cache.pool().executor(), backoff);
    std::error_code ignored;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace kwire::detail
