// Topic reading with ListOffsets and Fetch (see topic_reader.hpp).
#include "cli/topic_reader.hpp"

#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include <map>
#include <set>

#include "cli/args.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/list_offsets_request.hpp"
#include "kwire/protocol/messages/list_offsets_response.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/records/batch_reader.hpp"

namespace kwire::tool {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

struct PartitionState {
  std::int32_t leader = -1;
  std::int64_t position = 0;
  std::int64_t end = 0;  // high watermark (or last stable offset) last seen
  bool done = false;
};

std::string kafka_name(std::int16_t code) { return std::string(kwire::protocol::kafka_error_name(code)); }

// Fetch answers these when metadata is stale; refresh and go on.
bool needs_metadata_refresh(std::int16_t code) {
  auto e = static_cast<kafka_errc>(code);
  return e == kafka_errc::not_leader_or_follower || e == kafka_errc::leader_not_available ||
         e == kafka_errc::fenced_leader_epoch || e == kafka_errc::unknown_leader_epoch ||
         e == kafka_errc::unknown_topic_or_partition;
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// Earliest (-2) or latest (-1) offsets of the given partitions of one leader.
asio::awaitable<std::error_code> list_offsets(BrokerSession& session, std::int32_t leader, const std::string& topic,
                                              const std::vector<std::int32_t>& partitions, std::int64_t which,
                                              bool read_committed, std::map<std::int32_t, std::int64_t>& out,
                                              std::string& detail) {
  auto [ec, conn] = co_await session.broker_connection(leader, detail);
  if (ec) co_return ec;
  msg::ListOffsetsRequest req;
  req.replica_id = -1;
  req.isolation_level = read_committed ? 1 : 0;
  msg::ListOffsetsRequest::ListOffsetsTopic t;
  t.name = topic;
  for (auto p : partitions) {
    msg::ListOffsetsRequest::ListOffsetsTopic::ListOffsetsPartition lp;
    lp.partition_index = p;
    lp.timestamp = which;
    t.partitions.push_back(lp);
  }
  req.topics.push_back(std::move(t));
  // librdkafka 2.0.2's mock writes the v4+ leader epoch as 8 bytes; v3 has
  // everything the tool needs (isolation level from v2).
  net::SendOptions opts;
  opts.max_version = 3;
  auto result = co_await conn->send<msg::ListOffsetsResponse>(req, opts);
  if (result.error) {
    detail = "ListOffsets to broker " + std::to_string(leader) + " failed: " + result.error.message();
    co_return result.error;
  }
  for (const auto& rt : result.response.body.topics)
    for (const auto& rp : rt.partitions) {
      if (rp.error_code != 0) {
        detail = "ListOffsets for " + topic + " [" + std::to_string(rp.partition_index) +
                 "]: " + kafka_name(rp.error_code);
        co_return kwire::protocol::kafka_error(rp.error_code);
      }
      std::int64_t offset = rp.offset;
      if (result.response.version == 0) offset = rp.old_style_offsets.empty() ? 0 : rp.old_style_offsets.front();
      out[rp.partition_index] = offset;
    }
  co_return std::error_code();
}

// Messages built outside the coroutines (GCC 12 mishandles some temporaries there).
std::string topic_error_text(const std::string& topic, std::int16_t code) {
  if (static_cast<kafka_errc>(code) == kafka_errc::unknown_topic_or_partition)
    return "topic '" + topic + "' does not exist";
  return "topic '" + topic + "': " + kafka_name(code);
}

std::string missing_partition_text(const std::string& topic, std::optional<std::int32_t> partition) {
  if (partition) return "topic '" + topic + "' has no partition " + std::to_string(*partition);
  return "topic '" + topic + "' has no partitions";
}

// Applies a Metadata answer to `parts`; an error and its sentence otherwise.
std::error_code apply_metadata(const msg::MetadataResponse& md, const ReadSpec& spec,
                               std::map<std::int32_t, PartitionState>& parts, std::string& detail) {
  for (const auto& t : md.topics) {
    if (!t.name || *t.name != spec.topic) continue;
    if (t.error_code != 0) {
      detail = topic_error_text(spec.topic, t.error_code);
      return kwire::protocol::kafka_error(t.error_code);
    }
    bool found = false;
    for (const auto& p : t.partitions) {
      if (spec.partition && *spec.partition != p.partition_index) continue;
      found = true;
      parts[p.partition_index].leader = p.leader_id;
    }
    if (!found) {
      detail = missing_partition_text(spec.topic, spec.partition);
      return make_error_code(kafka_errc::unknown_topic_or_partition);
    }
    return {};
  }
  detail = topic_error_text(spec.topic, static_cast<std::int16_t>(kafka_errc::unknown_topic_or_partition));
  return make_error_code(kafka_errc::unknown_topic_or_partition);
}

// Learns partitions and leaders; fills `parts` (keeping positions already known).
asio::awaitable<std::error_code> refresh(BrokerSession& session, const ReadSpec& spec,
                                         std::map<std::int32_t, PartitionState>& parts, std::string& detail) {
  std::vector<std::string> topics{spec.topic};
  auto [ec, md] = co_await session.metadata(std::move(topics), detail);
  if (ec) co_return ec;
  co_return apply_metadata(md, spec, parts, detail);
}

}  // namespace

std::optional<StartOffset> parse_start_offset(const std::string& text) {
  if (text == "beginning") return StartOffset{StartOffset::Kind::beginning, 0};
  if (text == "end") return StartOffset{StartOffset::Kind::end, 0};
  if (!text.empty() && text[0] == '-') {
    auto n = parse_int(std::string_view(text).substr(1), 1, INT64_MAX);
    if (!n) return std::nullopt;
    return StartOffset{StartOffset::Kind::from_end, *n};
  }
  auto n = parse_int(text, 0, INT64_MAX);
  if (!n) return std::nullopt;
  return StartOffset{StartOffset::Kind::absolute, *n};
}

asio::awaitable<ReadResult> read_topic(BrokerSession& session, ReadSpec spec, RecordSink sink) {
  ReadResult out;
  std::map<std::int32_t, PartitionState> parts;
  if ((out.error = co_await refresh(session, spec, parts, out.detail))) co_return out;

  // Start and end offsets, asked of each partition's leader.
  std::map<std::int32_t, std::vector<std::int32_t>> by_leader;
  for (const auto& [p, st] : parts) by_leader[st.leader].push_back(p);
  for (const auto& [leader, ps] : by_leader) {
    std::map<std::int32_t, std::int64_t> earliest, latest;
    if ((out.error = co_await list_offsets(session, leader, spec.topic, ps, -2, spec.read_committed, earliest,
                                           out.detail)))
      co_return out;
    if ((out.error = co_await list_offsets(session, leader, spec.topic, ps, -1, spec.read_committed, latest,
                                           out.detail)))
      co_return out;
    for (auto p : ps) {
      auto& st = parts[p];
      st.end = latest[p];
      switch (spec.start.kind) {
        case StartOffset::Kind::beginning: st.position = earliest[p]; break;
        case StartOffset::Kind::end: st.position = latest[p]; break;
        case StartOffset::Kind::absolute: st.position = std::max(spec.start.value, earliest[p]); break;
        case StartOffset::Kind::from_end: st.position = std::max(latest[p] - spec.start.value, earliest[p]); break;
      }
      st.done = spec.exit_at_end && st.position >= st.end;
    }
  }

  kwire::protocol::records::BatchReaderOptions reader_options;
  int refreshes = 0;
  while (true) {
    if (spec.stop && spec.stop->load()) co_return out;
    bool all_done = true;
    by_leader.clear();
    for (const auto& [p, st] : parts)
      if (!st.done) {
        all_done = false;
        by_leader[st.leader].push_back(p);
      }
    if (all_done) {
      out.reached_end = true;
      co_return out;
    }
    bool stale = false;
    for (const auto& [leader, ps] : by_leader) {
      auto [ec, conn] = co_await session.broker_connection(leader, out.detail);
      if (ec) {
        out.error = ec;
        co_return out;
      }
      msg::FetchRequest req;
      req.replica_id = -1;
      req.max_wait_ms = static_cast<std::int32_t>(spec.max_wait.count());
      req.min_bytes = 1;
      req.max_bytes = 50 * 1024 * 1024;
      req.isolation_level = spec.read_committed ? 1 : 0;
      msg::FetchRequest::FetchTopic ft;
      ft.topic = spec.topic;
      for (auto p : ps) {
        msg::FetchRequest::FetchTopic::FetchPartition fp;
        fp.partition = p;
        fp.fetch_offset = parts[p].position;
        fp.partition_max_bytes = 4 * 1024 * 1024;
        ft.partitions.push_back(fp);
      }
      req.topics.push_back(std::move(ft));
      net::SendOptions opts;
      opts.max_version = 12;  // v13+ name topics by id only
      opts.timeout = session.options().request_timeout + spec.max_wait;
      auto result = co_await conn->send<msg::FetchResponse>(req, opts);
      if (result.error) {
        out.error = result.error;
        out.detail = "Fetch from broker " + std::to_string(leader) + " failed: " + result.error.message();
        co_return out;
      }
      if (result.response.body.error_code != 0) {
        out.error = kwire::protocol::kafka_error(result.response.body.error_code);
        out.detail = "Fetch: " + kafka_name(result.response.body.error_code);
        co_return out;
      }
      for (const auto& rt : result.response.body.responses) {
        for (const auto& rp : rt.partitions) {
          auto it = parts.find(rp.partition_index);
          if (it == parts.end()) continue;
          auto& st = it->second;
          if (rp.error_code != 0) {
            if (needs_metadata_refresh(rp.error_code)) {
              stale = true;
              continue;
            }
            out.error = kwire::protocol::kafka_error(rp.error_code);
            out.detail = "Fetch " + spec.topic + " [" + std::to_string(rp.partition_index) + "] at offset " +
                         std::to_string(st.position) + ": " + kafka_name(rp.error_code);
            co_return out;
          }
          st.end = spec.read_committed && rp.last_stable_offset >= 0 ? rp.last_stable_offset : rp.high_watermark;
          // Aborted transactions in this response, oldest first (read_committed
          // only). As in Kafka's consumer: a producer's batches are skipped from
          // the first offset of one of its aborted transactions until its ABORT
          // marker; one producer may have several aborted ranges here.
          std::multimap<std::int64_t, std::int64_t> aborted_starts;  // first offset -> producer id
          if (spec.read_committed && rp.aborted_transactions)
            for (const auto& a : *rp.aborted_transactions) aborted_starts.emplace(a.first_offset, a.producer_id);
          std::set<std::int64_t> aborting;  // producers inside an aborted range
          if (rp.records) {
            kwire::protocol::records::BatchReader reader(*rp.records, reader_options);
            while (reader.next_batch()) {
              const auto& b = reader.batch();
              while (!aborted_starts.empty() && aborted_starts.begin()->first < b.next_offset()) {
                aborting.insert(aborted_starts.begin()->second);
                aborted_starts.erase(aborted_starts.begin());
              }
              bool skip = b.control;
              if (b.transactional && aborting.count(b.producer_id)) {
                skip = true;
                if (b.control) aborting.erase(b.producer_id);  // the ABORT marker ends the range
              }
              kwire::protocol::records::RecordView r;
              while (reader.next_record(r)) {
                if (r.offset < st.position || skip) continue;
                ++out.records;
                if (!sink(rp.partition_index, r)) {
                  st.position = r.offset + 1;
                  co_return out;
                }
              }
              if (reader.error()) break;
              st.position = std::max(st.position, b.next_offset());
            }
            if (reader.error()) {
              out.error = reader.error();
              out.detail = "corrupt records in " + spec.topic + " [" + std::to_string(rp.partition_index) +
                           "] near offset " + std::to_string(st.position) + ": " + reader.error().message();
              co_return out;
            }
          }
          if (spec.exit_at_end && st.position >= st.end) st.done = true;
        }
      }
    }
    if (stale) {
      if (++refreshes > 20) {
        out.error = make_error_code(kafka_errc::not_leader_or_follower);
        out.detail = "partition leaders kept moving; gave up after 20 metadata refreshes";
        co_return out;
      }
      co_await pause(std::chrono::milliseconds(100));
      if ((out.error = co_await refresh(session, spec, parts, out.detail))) co_return out;
    }
  }
}

}  // namespace kwire::tool
