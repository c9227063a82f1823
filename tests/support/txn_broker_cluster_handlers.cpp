// Metadata and FindCoordinator for the TxnBroker: every node of the cluster
// (ids 1..n, one shared log), each partition's leader and leader epoch, and
// the one node that coordinates every group and transactional id.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "txn_broker_handlers.hpp"
#include "txn_broker_versions.hpp"

namespace kwire::test::txn {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

Reply handle_metadata(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::MetadataRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  // Before v4 a request could not ask to be spared auto-creation.
  const bool may_create = ctx.version < 4 || req.allow_auto_topic_creation;
  msg::MetadataResponse resp;
  std::lock_guard lock(s.mu);
  for (std::int32_t node = 1; node <= s.nodes(); ++node) {
    msg::MetadataResponse::MetadataResponseBroker b;
    b.node_id = node;
    b.host = s.host;
    b.port = s.ports[static_cast<std::size_t>(node - 1)];
    resp.brokers.push_back(b);
  }
  resp.cluster_id = "kwire-txn-broker";
  resp.controller_id = 1;

  std::vector<std::string> names;
  // v0: an empty list means all topics; v1+: null means all topics.
  if (!req.topics || (ctx.version == 0 && req.topics->empty())) {
    for (const auto& [name, parts] : s.topics) names.push_back(name);
  } else {
    for (const auto& t : *req.topics)
      if (t.name) names.push_back(*t.name);
  }
  for (const auto& name : names) {
    msg::MetadataResponse::MetadataResponseTopic topic;
    topic.name = name;
    topic.topic_id = topic_id_of(name);  // v10+
    if (!s.topics.count(name) && may_create && s.options.auto_create_topics)
      s.ensure_topic(name, s.options.default_partitions);
    auto it = s.topics.find(name);
    if (it == s.topics.end()) {
      topic.error_code = static_cast<std::int16_t>(kafka_errc::unknown_topic_or_partition);
    } else {
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        msg::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition p;
        p.partition_index = static_cast<std::int32_t>(i);
        const auto leader = s.leader_of(name, p.partition_index);
        p.leader_id = leader.node;
        p.leader_epoch = leader.epoch;
        p.replica_nodes = {leader.node};
        p.isr_nodes = {leader.node};
        topic.partitions.push_back(std::move(p));
      }
    }
    resp.topics.push_back(std::move(topic));
  }
  return respond(ctx, resp);
}

Reply handle_find_coordinator(const RequestContext& ctx, kwire::protocol::Reader& r, BrokerState& s) {
  msg::FindCoordinatorRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  msg::FindCoordinatorResponse resp;
  if (req.key_type != 0 && req.key_type != 1) {
    resp.error_code = static_cast<std::int16_t>(kafka_errc::invalid_request);
    resp.error_message = "unknown key type";
    resp.node_id = -1;
    resp.port = -1;
    return respond(ctx, resp);
  }
  std::lock_guard lock(s.mu);
  resp.error_message = std::nullopt;
  resp.node_id = s.coordinator;
  resp.host = s.host;
  resp.port = s.ports.at(static_cast<std::size_t>(s.coordinator - 1));
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
