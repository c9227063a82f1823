// The Fetcher's position lookups (see fetcher.hpp): ListOffsets for
// earliest/latest and OffsetFetch for the group's committed offset, and what
// their answers do to each partition.
#include "consumer/fetcher.hpp"

#include <algorithm>

#include "consumer/fetcher_request_helpers.hpp"
#include "consumer/offset_lookup.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

asio::awaitable<void> Fetcher::list_offsets([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                            std::vector<Sent> sent) {
  std::vector<OffsetQuery> queries;
  for (const Sent& x : sent) queries.push_back({x.partition.topic, x.partition.partition, x.offset});
  std::vector<OffsetAnswer> answers = co_await list_offsets_once(*pool_, leader, queries, options_.isolation);
  if (stopped_) co_return;
  request_done(sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    const Sent& x = sent[i];
    State* s = current(x);
    if (!s) continue;
    if (s->lookup == StartPosition::Kind::none) continue;
    const std::error_code ec = answers[i].error;
    if (ec && (protocol::is_retriable(ec) || net::is_retriable_net_error(ec))) {
      retry_later(*s, ec);
    } else if (ec) {
      stop_partition(x.partition, *s, ec, "ListOffsets " + partition_name(x.partition) + ": " + ec.message());
    } else {
      set_position(x.partition, *s, std::max<std::int64_t>(answers[i].offset, 0));
    }
  }
  wake();
}

asio::awaitable<void> Fetcher::fetch_committed([[maybe_unused]] std::shared_ptr<Fetcher> self, std::vector<Sent> sent) {
  std::vector<OffsetEntry> entries;
  for (const Sent& x : sent) {
    OffsetEntry& e = entries.emplace_back();
    e.topic = x.partition.topic;
    e.partition = x.partition.partition;
  }
  const std::error_code ec = co_await offsets_->fetch(
      entries, options_.isolation == IsolationLevel::read_committed, Clock::now() + options_.request_timeout);
  if (stopped_) co_return;
  request_done(sent);
  for (std::size_t i = 0; i < sent.size(); ++i) {
    State* s = current(sent[i]);
    if (!s || s->lookup != StartPosition::Kind::committed) continue;
    const std::error_code e = ec ? ec : entries[i].error;
    if (e == consumer_errc::consumer_timeout || (e && (protocol::is_retriable(e) || net::is_retriable_net_error(e)))) {
      s->retry_at = Clock::now() + options_.retry_backoff;
    } else if (e) {
      stop_partition(sent[i].partition, *s, e,
                     "OffsetFetch " + partition_name(sent[i].partition) + " (group " + offsets_->group_id() +
                         "): " + e.message());
    } else if (entries[i].offset >= 0) {
      // With the epoch it was committed under (OffsetFetch v5+): the leader's
      // log is checked for a truncation below it first (KIP-320, as Java does).
      set_position(sent[i].partition, *s, entries[i].offset, entries[i].leader_epoch);
    } else {
      s->lookup = reset_kind();  // nothing committed: auto.offset.reset
    }
  }
  wake();
}

}  // namespace kwire::detail
