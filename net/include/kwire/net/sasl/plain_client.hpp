// SASL PLAIN (RFC 4616): one message "\0user\0password". Only safe over TLS,
// since the password travels as it is.
#pragma once

#include <string>

#include "kwire/net/sasl/sasl_client.hpp"

namespace kwire::net {

class PlainClient final : public SaslClient {
 public:
  PlainClient(std::string username, Secret password)
      : username_(std::move(username)), password_(std::move(password)) {}
  std::string_view mechanism() const noexcept override { return "PLAIN"; }
  std::vector<std::uint8_t> initial_response() override;
  SaslStep on_server_message(protocol::Bytes server_message) override;

 private:
  std::string username_;
  Secret password_;
  bool sent_ = false;
  bool done_ = false;
};

}  // namespace kwire::net
