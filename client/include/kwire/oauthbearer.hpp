// SASL OAUTHBEARER for producers and consumers (KIP-255): set
// `sasl.mechanism=OAUTHBEARER` and either a token provider in code,
//
//   config.security.oauthbearer_token_provider = [] {
//     kwire::OAuthBearerToken t;
//     t.value = fetch_jwt_from_my_idp();  // the compact JWS
//     t.expiry = std::chrono::system_clock::now() + std::chrono::minutes(55);
//     t.principal = "alice";               // for log lines
//     return kwire::OAuthBearerTokenResult{t, {}};  // or {{}, some_error_code}
//   };
//
// or, for tests and development only, librdkafka's unsecured JWS
// (`enable.sasl.oauthbearer.unsecure.jwt=true`,
// `sasl.oauthbearer.config=principal=alice [scope=a,b] [lifeSeconds=3600]
// [extension_NAME=value]`): a token with header {"alg":"none"}, claims
// sub/iat/exp and no signature, which only a broker configured for unsecured
// tokens accepts.
//
// The provider runs on the client's io thread when a connection authenticates
// and its token is kept until `expiry`; a new connection after that asks again
// (connections already open are not re-authenticated). A provider error, or a
// token the broker refuses (the error names the broker's RFC 7628 status, e.g.
// invalid_token), fails the sends waiting for that broker as a wrong password does.
#pragma once

#include "kwire/net/sasl/oauthbearer.hpp"

namespace kwire {

using OAuthBearerToken = net::OAuthBearerToken;
using OAuthBearerTokenResult = net::OAuthBearerTokenResult;
using OAuthBearerTokenProvider = net::OAuthBearerTokenProvider;

}  // namespace kwire
