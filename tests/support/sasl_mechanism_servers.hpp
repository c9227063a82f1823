// The server side of the SASL mechanisms for SaslServer (sasl_server.hpp):
// one object per authentication, fed each client message in turn. PLAIN and
// SCRAM-SHA-256/512: sasl_mechanism_servers.cpp; OAUTHBEARER's unsecured JWS:
// sasl_oauthbearer_server.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "sasl_server.hpp"

namespace kwire::test::sasl_server {

struct Outcome {
  bool ok = false;
  bool done = false;
  std::string reply;
  std::string error_message{};  // when !ok: the SaslAuthenticate error message (default: invalid credentials)
};

class MechanismServer {
 public:
  virtual ~MechanismServer() = default;
  virtual Outcome step(std::string_view client_message) = 0;
};

// The server for `mechanism`; null when it is not one of options.mechanisms
// or not one written here. OAUTHBEARER records its tokens in `stats`.
std::unique_ptr<MechanismServer> make_mechanism_server(std::string_view mechanism, const SaslServerOptions& options,
                                                       SaslServer::Stats& stats);
std::unique_ptr<MechanismServer> make_oauthbearer_server(const SaslServerOptions& options, SaslServer::Stats& stats);

}  // namespace kwire::test::sasl_server
