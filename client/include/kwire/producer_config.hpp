// Producer configuration: a typed struct, and a parser for the Java client's
// property names ("bootstrap.servers", "linger.ms", ...). Unknown keys and bad
// values are errors that name the key; nothing is silently ignored.
// Any thread; plain data.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "kwire/errors.hpp"
#include "kwire/net/log.hpp"
#include "kwire/oauthbearer.hpp"
#include "kwire/partitioner.hpp"

namespace kwire {

using Properties = std::map<std::string, std::string, std::less<>>;

// The log hook (kwire/net/log.hpp): a level and a callback taking (level, line).
// Lines name the broker and its address, e.g. "broker -1 (127.0.0.1:9092):
// connection set-up failed: Connection refused".
using LogLevel = net::LogLevel;
using LogHook = net::LogHook;

// A client-wide error, not tied to one record (librdkafka's error_cb), for
// ProducerConfig::on_error:
// - errc::all_brokers_down: after a failed connect or a lost connection no
//   broker is usable (once per outage; the producer keeps trying, records
//   wait until delivery.timeout.ms);
// - an authentication or TLS failure of a connection (kwire::net::sasl_errc,
//   kwire::net::tls_errc): wrong password, untrusted certificate;
// - fatal = true: the producer can do nothing more but be closed (a
//   transactional producer fenced or not authorized: the broker's Kafka
//   error, e.g. PRODUCER_FENCED, TRANSACTIONAL_ID_AUTHORIZATION_FAILED; an
//   idempotent producer's InitProducerId refused for good, e.g.
//   CLUSTER_AUTHORIZATION_FAILED: its records then fail with that error).
struct ClientError {
  std::error_code code{};
  bool fatal = false;
  std::string message{};  // what happened, naming the broker and its address where one is concerned
};
using ErrorCallback = std::function<void(const ClientError&)>;

// Values are the RecordBatch attribute codec ids (and kwire::compression::Codec's).
enum class CompressionType : std::uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

enum class SecurityProtocol : std::uint8_t { plaintext, ssl, sasl_plaintext, sasl_ssl };

struct SecurityConfig {
  SecurityProtocol protocol = SecurityProtocol::plaintext;
  // TLS, PEM only (ssl.truststore.type / ssl.keystore.type = PEM).
  std::string truststore_location{};      // ssl.truststore.location: CA bundle file
  std::string truststore_certificates{};  // ssl.truststore.certificates: PEM text
  std::string keystore_location{};        // ssl.keystore.location: PEM with cert chain and key
  std::string keystore_certificate_chain{};  // ssl.keystore.certificate.chain: PEM text
  std::string keystore_key{};             // ssl.keystore.key: PEM text
  std::string key_password{};             // ssl.key.password
  // librdkafka's names for separate files (ssl.ca.location is an alias of
  // ssl.truststore.location, ssl.ca.pem of ssl.truststore.certificates...).
  std::string certificate_location{};     // ssl.certificate.location: client certificate chain (PEM)
  std::string key_location{};             // ssl.key.location: its private key (PEM)
  bool verify_certificate = true;       // enable.ssl.certificate.verification
  bool verify_hostname = true;          // ssl.endpoint.identification.algorithm = https (default) or ""
  // SASL.
  std::string sasl_mechanism = "GSSAPI";  // sasl.mechanism; PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER
  std::string sasl_username{};            // from sasl.jaas.config, or sasl.username
  std::string sasl_password{};            // from sasl.jaas.config, or sasl.password
  // OAUTHBEARER (kwire/oauthbearer.hpp): a token provider set in code, or
  // enable.sasl.oauthbearer.unsecure.jwt=true with sasl.oauthbearer.config.
  OAuthBearerTokenProvider oauthbearer_token_provider{};
  bool sasl_oauthbearer_unsecure_jwt = false;  // enable.sasl.oauthbearer.unsecure.jwt
  std::string sasl_oauthbearer_config{};       // sasl.oauthbearer.config: principal=NAME [scope=a,b] [lifeSeconds=N]
};

// partitioner=NAME. Java's default and librdkafka's names; each librdkafka
// hash places a key where librdkafka would (kwire/partitioner.hpp has the
// hashes). "Random" keyless records go to kwire's uniform sticky partitioner,
// as librdkafka's sticky.partitioning does by default.
enum class BuiltinPartitioner : std::uint8_t {
  default_partitioner,  // murmur2 for keyed records (as Java), uniform sticky (KIP-794) for keyless;
                        // also librdkafka's murmur2_random
  uniform_sticky,       // ignore keys (Java's partitioner.ignore.keys=true)
  murmur2,              // murmur2 of the key; a null key hashes as empty (one fixed partition)
  consistent,           // CRC-32 of the key; null and empty keys go to partition 0
  consistent_random,    // CRC-32 of a non-empty key; null and empty keys sticky
  fnv1a,                // FNV-1a of the key; a null key hashes as empty
  fnv1a_random,         // FNV-1a of a non-null key; null keys sticky
  random,               // a random partition for every record, key or not
};

struct ProducerConfig {
  using ms = std::chrono::milliseconds;

  std::vector<std::string> bootstrap_servers{};  // "host:port"
  std::string client_id{};
  std::int16_t acks = -1;                      // -1 = all, 0, 1
  ms linger{5};
  std::int32_t batch_size = 16384;
  std::int64_t buffer_memory = 32 * 1024 * 1024;
  // queue.buffering.max.messages (librdkafka's name): at most this many
  // records held (sent and not yet reported) beside buffer.memory's bytes;
  // 0 = no bound (librdkafka's default is 100000; kwire bounds bytes only unless asked).
  std::int32_t buffer_max_records = 0;
  ms max_block{60000};
  ms delivery_timeout{120000};
  ms request_timeout{30000};
  std::int32_t retries = 2147483647;
  ms retry_backoff{100};
  ms retry_backoff_max{1000};
  std::int32_t max_in_flight_requests_per_connection = 5;
  // nullopt = not set by the caller: on, unless acks is 0 or 1 or more than 5
  // requests may be in flight (as the Java client since 3.0).
  std::optional<bool> enable_idempotence{};
  CompressionType compression_type = CompressionType::none;
  std::optional<int> compression_level{};        // nullopt = the codec's default
  std::int32_t max_request_size = 1048576;
  // Borrowed values (ValueOwnership::borrow) longer than this are not copied
  // into the batch but written from the caller's memory (librdkafka's name and default).
  std::int32_t message_copy_max_bytes = 65535;
  BuiltinPartitioner partitioner = BuiltinPartitioner::default_partitioner;
  // Set in code only; wins over `partitioner` when set. Either form of
  // kwire/partitioner.hpp: (topic, key, partition_count) or, to see which
  // partitions have a leader, (topic, key, partition_count, available).
  CustomPartitioner custom_partitioner{};
  ms metadata_max_age{300000};
  ms reconnect_backoff{50};
  ms reconnect_backoff_max{1000};
  ms connections_max_idle{540000};
  // SO_SNDBUF / SO_RCVBUF of broker sockets. -1 (the default, as in
  // librdkafka) leaves the OS's size, which Linux tunes itself; the Java
  // client fixes 131072 / 32768.
  std::int32_t send_buffer_bytes = -1;
  std::int32_t receive_buffer_bytes = -1;
  // kwire: queue delivery reports for Producer::poll_events() on the caller's
  // thread instead of running them on the producer's thread; a full buffer then
  // fails send() at once with errc::queue_full instead of blocking.
  bool enable_manual_events_poll = false;
  SecurityConfig security{};
  // Set in code only. Lines from the producer's connections (refused or lost
  // connections, TLS and SASL set-up, brokers moving) at `log.level` and above,
  // on the producer's io thread: keep the callback short and non-blocking.
  // No callback (the default): nothing is formatted, nothing is written.
  LogHook log{};
  // Set in code only. Client-wide errors (see ClientError), on the producer's
  // io thread: keep it short, do not block, do not throw. Per-record errors go
  // to the delivery reports as always. No callback (the default): nothing is reported.
  ErrorCallback on_error{};
  // Transactions (KIP-98): a transactional.id makes the producer transactional
  // (and idempotent); transaction.timeout.ms is sent to the coordinator.
  std::optional<std::string> transactional_id{};
  ms transaction_timeout{60000};

  // Parses Java-style properties over the defaults above. Throws ConfigError.
  static ProducerConfig from_properties(const Properties& props);
  // Non-throwing form: on error, `why` names the key and the problem.
  static std::error_code parse(const Properties& props, ProducerConfig& out, std::string& why);

  // Checks ranges and combinations (also run by parse and by the Producer).
  std::error_code validate(std::string& why) const;
  bool idempotence() const noexcept {
    if (transactional_id) return enable_idempotence.value_or(true);
    return enable_idempotence.value_or(acks == -1 && max_in_flight_requests_per_connection <= 5);
  }
};

}  // namespace kwire
