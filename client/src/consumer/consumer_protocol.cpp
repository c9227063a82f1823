// ConsumerProtocol payloads (see consumer_protocol.hpp).
#include "consumer/consumer_protocol.hpp"

#include <algorithm>
#include <map>

#include "kwire/protocol/messages/consumer_protocol_assignment.hpp"
#include "kwire/protocol/messages/consumer_protocol_subscription.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;

// Partitions grouped by topic, in the order topics first appear.
template <typename Entry>
std::vector<Entry> by_topic(const std::vector<TopicPartition>& partitions) {
  std::vector<Entry> out;
  for (const TopicPartition& tp : partitions) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Entry& e) { return e.topic == tp.topic; });
    if (it == out.end()) {
      out.emplace_back();
      out.back().topic = tp.topic;
      it = out.end() - 1;
    }
    it->partitions.push_back(tp.partition);
  }
  return out;
}

template <typename Entry>
std::vector<TopicPartition> flatten(const std::vector<Entry>& entries) {
  std::vector<TopicPartition> out;
  for (const Entry& e : entries)
    for (std::int32_t p : e.partitions) out.push_back({e.topic, p});
  return out;
}

template <typename Message>
std::vector<std::uint8_t> encode_versioned(const Message& m, std::int16_t version) {
  protocol::Writer w;
  w.i16(version);
  m.encode(w, version);
  return w.release();
}

// Reads the version prefix and the body; a newer version reads as the newest known.
template <typename Message>
std::error_code decode_versioned(const std::vector<std::uint8_t>& bytes, Message& m) {
  protocol::Reader r(protocol::Bytes(bytes.data(), bytes.size()));
  const std::int16_t version = r.i16();
  if (!r.ok()) return r.error();
  if (version < Message::min_version) return std::error_code(protocol::wire_errc::unsupported_version);
  if (std::error_code ec = m.decode(r, std::min(version, Message::max_version))) return ec;
  return r.error();
}

std::vector<std::uint8_t> copy_of(const std::optional<protocol::Bytes>& b) {
  if (!b) return {};
  return {b->begin(), b->end()};
}

}  // namespace

std::vector<std::uint8_t> encode_subscription(const GroupSubscription& s, std::int16_t version) {
  msg::ConsumerProtocolSubscription m;
  m.topics = s.topics;
  if (!s.user_data.empty()) m.user_data = protocol::Bytes(s.user_data.data(), s.user_data.size());
  m.owned_partitions = by_topic<msg::ConsumerProtocolSubscription::TopicPartition>(s.owned);
  m.generation_id = s.generation;
  m.rack_id = s.rack;
  return encode_versioned(m, version);
}

std::error_code decode_subscription(const std::vector<std::uint8_t>& bytes, GroupSubscription& out) {
  msg::ConsumerProtocolSubscription m;
  if (std::error_code ec = decode_versioned(bytes, m)) return ec;
  out.topics = std::move(m.topics);
  out.owned = flatten(m.owned_partitions);
  out.generation = m.generation_id;
  out.rack = std::move(m.rack_id);
  out.user_data = copy_of(m.user_data);
  return {};
}

std::vector<std::uint8_t> encode_assignment(const GroupAssignment& a, std::int16_t version) {
  msg::ConsumerProtocolAssignment m;
  m.assigned_partitions = by_topic<msg::ConsumerProtocolAssignment::TopicPartition>(a.partitions);
  if (!a.user_data.empty()) m.user_data = protocol::Bytes(a.user_data.data(), a.user_data.size());
  return encode_versioned(m, version);
}

std::error_code decode_assignment(const std::vector<std::uint8_t>& bytes, GroupAssignment& out) {
  msg::ConsumerProtocolAssignment m;
  if (std::error_code ec = decode_versioned(bytes, m)) return ec;
  out.partitions = flatten(m.assigned_partitions);
  out.user_data = copy_of(m.user_data);
  return {};
}

}  // namespace kwire::detail
