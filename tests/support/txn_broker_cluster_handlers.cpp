// Metadata and FindCoordinator for the TxnBroker: one node (id 1), leader of
// every partition and coordinator of every group and transactional id.
// Io thread only.
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/find_coordinator_request.hpp"
#include "kwire/protocol/messages/find_coordinator_response.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "txn_broker_handlers.hpp"

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
  msg::MetadataResponse::MetadataResponseBroker self;
  self.node_id = BrokerState::node_id;
  self.host = s.host;
  self.port = s.port;
  resp.brokers.push_back(self);
  resp.cluster_id = "kwire-txn-broker";
  resp.controller_id = BrokerState::node_id;

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
    if (!s.topics.count(name) && may_create && s.options.auto_create_topics)
      s.ensure_topic(name, s.options.default_partitions);
    auto it = s.topics.find(name);
    if (it == s.topics.end()) {
      topic.error_code = static_cast<std::int16_t>(kafka_errc::unknown_topic_or_partition);
    } else {
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        msg::MetadataResponse::MetadataResponseTopic::MetadataResponsePartition p;
        p.partition_index = static_cast<std::int32_t>(i);
        p.leader_id = BrokerState::node_id;
        p.leader_epoch = 0;
        p.replica_nodes = {BrokerState::node_id};
        p.isr_nodes = {BrokerState::node_id};
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
  resp.node_id = BrokerState::node_id;
  resp.host = s.host;
  resp.port = s.port;
  return respond(ctx, resp);
}

}  // namespace kwire::test::txn
