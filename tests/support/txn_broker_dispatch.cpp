// Request header parsing, version checks, ApiVersions and dispatch for the
// TxnBroker (see txn_broker_handlers.hpp). Io thread only.
#include <iterator>

#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/api_versions_request.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "txn_broker_handlers.hpp"
#include "txn_broker_versions.hpp"

namespace kwire::test::txn {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::Reader;

struct ApiRange {
  std::int16_t key, min, max;
  Reply (*handler)(const RequestContext&, Reader&, BrokerState&);
};

constexpr std::int16_t kApiVersions = 18;

// What the broker advertises in ApiVersions; requests outside close the connection.
constexpr ApiRange kApis[] = {
    {0, 3, 9, handle_produce},                 // Produce
    {1, 4, 12, handle_fetch},                  // Fetch
    {2, 1, 7, handle_list_offsets},            // ListOffsets
    {3, 0, 9, handle_metadata},                // Metadata
    {8, 2, 8, handle_offset_commit},           // OffsetCommit (txn_broker_offset_commit.cpp)
    {9, 1, 7, handle_offset_fetch},            // OffsetFetch
    {10, 0, 3, handle_find_coordinator},       // FindCoordinator
    {11, 0, 9, handle_join_group},             // JoinGroup (txn_broker_group_handlers.cpp)
    {12, 0, 4, handle_heartbeat},              // Heartbeat
    {13, 0, 5, handle_leave_group},            // LeaveGroup
    {14, 0, 5, handle_sync_group},             // SyncGroup
    {kApiVersions, 0, 3, nullptr},             // ApiVersions (answered here)
    {22, 0, 4, handle_init_producer_id},       // InitProducerId
    {23, 0, 4, handle_offset_for_leader_epoch},  // OffsetForLeaderEpoch
    {24, 0, 3, handle_add_partitions_to_txn},  // AddPartitionsToTxn
    {25, 0, 3, handle_add_offsets_to_txn},     // AddOffsetsToTxn
    {26, 0, 3, handle_end_txn},                // EndTxn
    {28, 0, 3, handle_txn_offset_commit},      // TxnOffsetCommit
};

const ApiRange* find_api(std::int16_t key) {
  for (const auto& a : kApis)
    if (a.key == key) return &a;
  return nullptr;
}

// `own` is the advertised ApiVersions range.
Reply api_versions(const RequestContext& ctx, Reader& r, BrokerState& s, VersionSpan own) {
  msg::ApiVersionsResponse resp;
  if (ctx.version > own.max) {
    // KIP-511: UNSUPPORTED_VERSION in the v0 form, with our ApiVersions range,
    // so the client retries with a version we speak.
    resp.error_code = static_cast<std::int16_t>(kwire::protocol::kafka_errc::unsupported_version);
    resp.api_keys.push_back({kApiVersions, own.min, own.max, {}});
    RequestContext v0 = ctx;
    v0.version = 0;
    return respond(v0, resp);
  }
  msg::ApiVersionsRequest req;
  if (!decode_request(r, ctx.version, req)) return {};
  std::lock_guard lock(s.mu);  // TxnBroker::advertise may change the ranges
  for (const auto& a : kApis) {
    auto range = advertised_versions(s.options, a.key, {a.min, a.max});
    resp.api_keys.push_back({a.key, range.min, range.max, {}});
  }
  return respond(ctx, resp);
}

}  // namespace

Reply handle_request(kwire::protocol::Bytes frame, BrokerState& state, bool final_attempt, std::int32_t node_id,
                     std::uint64_t connection) {
  RequestContext ctx;
  ctx.final_attempt = final_attempt;
  ctx.node_id = node_id;
  ctx.connection = connection;
  {
    // Key, version and correlation id sit at fixed places in every header version.
    Reader peek(frame);
    ctx.api_key = peek.i16();
    ctx.version = peek.i16();
    ctx.correlation_id = peek.i32();
    if (!peek.ok()) return {};
  }
  const ApiRange* api = find_api(ctx.api_key);
  if (api == nullptr) return {};
  VersionSpan range;
  {
    std::lock_guard lock(state.mu);
    range = advertised_versions(state.options, api->key, {api->min, api->max});
  }
  // Above the advertised range (TxnBrokerOptions::advertise may lower it),
  // ApiVersions gets the KIP-511 answer, not a closed connection.
  if (ctx.api_key == kApiVersions && ctx.version > range.max) {
    Reader none(kwire::protocol::Bytes{});
    return api_versions(ctx, none, state, range);
  }
  if (ctx.version < range.min || ctx.version > range.max) return {};
  Reader r(frame);
  msg::RequestHeader header;
  auto header_version = kwire::protocol::request_header_version(ctx.api_key, ctx.version);
  if (header_version < 0 || header.decode(r, header_version) || !r.ok()) return {};
  if (ctx.api_key == kApiVersions) return api_versions(ctx, r, state, range);
  return handle_with_faults(ctx, r, state, api->handler);
}

}  // namespace kwire::test::txn
