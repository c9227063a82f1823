// A TLS terminator for tests: listens on 127.0.0.1 with a given certificate,
// forwards the decrypted bytes to plaintext upstream brokers (librdkafka's
// mock cluster, or the SASL test server), and rewrites the broker addresses
// in Metadata responses to its own listeners, so a client that follows the
// metadata keeps talking TLS. One listener per upstream. Runs its own
// io_context thread; the public members may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "test_certs.hpp"

namespace kwire::test {

struct RelayUpstream {
  std::string host;
  std::uint16_t port = 0;
};

struct TlsRelayOptions {
  std::string cert_file;  // server certificate chain (PEM)
  std::string key_file;   // its key
  // When set, clients must present a certificate signed by this CA (mTLS).
  std::string client_ca_file;
  // Host name written into rewritten Metadata responses.
  std::string advertised_host = "localhost";

  // Serves `identity`'s certificate and key, no client certificate asked.
  static TlsRelayOptions serving(const CertAndKey& identity) {
    TlsRelayOptions options;
    options.cert_file = identity.cert_file;
    options.key_file = identity.key_file;
    return options;
  }
};

class TlsRelay {
 public:
  TlsRelay(std::vector<RelayUpstream> upstreams, TlsRelayOptions options);
  // Upstreams from a "host:port,host:port" bootstrap string (MockCluster::bootstrap()).
  TlsRelay(const std::string& bootstrap, TlsRelayOptions options);
  ~TlsRelay();
  TlsRelay(const TlsRelay&) = delete;
  TlsRelay& operator=(const TlsRelay&) = delete;

  std::uint16_t port(std::size_t index = 0) const;
  // "advertised_host:port,..." of every listener.
  std::string bootstrap() const;

  int handshakes_completed() const noexcept { return stats_->handshakes_completed.load(); }
  int handshakes_failed() const noexcept { return stats_->handshakes_failed.load(); }
  int metadata_rewrites() const noexcept { return stats_->metadata_rewrites.load(); }

  struct Stats {
    std::atomic<int> handshakes_completed{0};
    std::atomic<int> handshakes_failed{0};
    std::atomic<int> metadata_rewrites{0};
  };
  struct Impl;

 private:
  std::shared_ptr<Stats> stats_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kwire::test
