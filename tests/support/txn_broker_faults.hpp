// The faults a TxnBroker (txn_broker.hpp) can inject, as data: what a test
// asks for with TxnBroker::add_produce_fault / add_api_fault /
// set_random_produce_faults. Each rule names what it matches and how often
// it fires; the broker consumes it as matching requests arrive, so a test
// can say "refuse the batch of partition 2 whose first sequence is 0 with
// REQUEST_TIMED_OUT, once" and the next batch is judged normally.
// Plain data; no threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace kwire::test {

// What happens to a Produce request (or one partition of it) that a rule matches.
enum class ProduceFaultAction {
  refuse,            // the partition is answered `error`; nothing is written
  write_then_error,  // the batch is written (and checked) as usual, then
                     // answered `error` (e.g. NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                     // REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR)
  // Request-wide (the first partition that matches decides for the request):
  delay_response,    // the request is handled, its response sent `delay` late; later
                     // responses on the connection wait behind it (Kafka answers in order)
  drop_response,     // the request is handled, its response never sent while the
                     // connection stays open: a broker that breaks the protocol
  cut_before_write,  // the connection is closed before the request is handled: nothing written
  cut_after_write,   // the request is handled, then the connection is closed unanswered
  hostile_response,  // the request is handled, then answered with `hostile` bytes
};

enum class HostileResponse {
  wrong_correlation_id,  // a well-formed response with a correlation id never sent
  giant_length,          // a length prefix of 2 GiB - 1 and a few bytes, the socket kept open
  half_frame_then_fin,   // half of the real response (length prefix and all), then FIN
  garbage,               // the right length and correlation id, then bytes that do not decode
};

struct ProduceFault {
  ProduceFaultAction action = ProduceFaultAction::refuse;
  std::int16_t error = 0;             // for refuse and write_then_error (Kafka error code)
  HostileResponse hostile = HostileResponse::garbage;  // for hostile_response
  std::string topic;                  // empty: any topic
  std::int32_t partition = -1;        // -1: any partition
  std::int32_t base_sequence = -1;    // -1: any batch; else only a batch starting at this sequence
  std::int16_t producer_epoch = -1;   // -1: any epoch
  int times = 1;                      // how many matches it fires for
  int skip = 0;                       // matches let through before it fires
                                      // (skip 1: "the second batch of partition 2")
  std::chrono::milliseconds delay{0};  // for delay_response
};

// Faults on the other APIs, by API key (Produce has ProduceFault).
enum class ApiFaultAction {
  error,           // answered with `error` everywhere the response carries one; no state change
  delay_response,  // handled (state changes), answered `delay` late, in order
  drop_response,   // handled (state changes), never answered on an open connection
  cut_before,     // the connection is closed before the request is handled
  cut_after,      // handled, then the connection is closed unanswered
  // InitProducerId only: answered without error but with `producer_id` and
  // `producer_epoch` (say -1 and -1), values a client must not adopt.
  bogus_producer_id,
};

struct ApiFault {
  std::int16_t api_key = -1;
  ApiFaultAction action = ApiFaultAction::error;
  std::int16_t error = 0;
  int times = 1;
  std::int64_t producer_id = -1;    // bogus_producer_id
  std::int16_t producer_epoch = -1;  // bogus_producer_id
  std::chrono::milliseconds delay{0};  // delay_response
};

// Random Produce faults for a soak: each partition of each Produce request
// (and each request, for the request-wide actions) draws from a generator
// seeded with `seed`; with probability per_mille/1000 it gets one of
// `actions` (uniformly), with an error drawn from `errors` where the action
// needs one (from `write_errors` for write_then_error when that is not
// empty: a broker answers only some errors after an append).
struct RandomProduceFaults {
  std::uint64_t seed = 1;
  int per_mille = 0;
  std::vector<ProduceFaultAction> actions;
  std::vector<std::int16_t> errors;
  std::vector<std::int16_t> write_errors;
  // delay_response answers between 0 and max_delay late (uniformly).
  std::chrono::milliseconds max_delay{0};
  std::vector<HostileResponse> hostile = {HostileResponse::wrong_correlation_id, HostileResponse::half_frame_then_fin,
                                          HostileResponse::garbage};
};

// What the broker did, for the checks of a test.
struct TxnFaultCounters {
  int produce_faults_fired = 0;   // rules and random draws that acted
  int responses_dropped = 0;      // Produce and other APIs
  int responses_delayed = 0;
  int connections_cut = 0;
  int hostile_responses = 0;
  int stale_markers_refused = 0;  // transaction markers older than the partition's epoch
  int not_leader_answers = 0;     // Produce/Fetch/ListOffsets on a node that does not lead the partition
  int not_coordinator_answers = 0;
  int connections_accepted = 0;
  int client_disconnects = 0;     // connections the client closed (EOF or reset while reading)
};

}  // namespace kwire::test
