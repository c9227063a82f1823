// OAUTHBEARER (RFC 7628) on the server side, for SaslServer: the client's
// GS2 header and key=value pairs, its unsecured JWS checked as Kafka's
// OAuthBearerUnsecuredJws checks it (sasl_server.hpp, SaslServerOptions), a
// refused token answered with the RFC 7628 error challenge.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "kwire/net/sasl/oauthbearer.hpp"
#include "sasl_mechanism_servers.hpp"

namespace kwire::test::sasl_server {
namespace {

// The raw value of "key" in a flat JSON object: a string's contents (escapes
// left as they are), a number's or an array's text; nullopt when absent.
std::optional<std::string_view> oauth_json_field(std::string_view obj, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  std::size_t at = 0;
  while ((at = obj.find(quoted, at)) != std::string_view::npos) {
    std::size_t p = obj.find_first_not_of(" \t\r\n", at + quoted.size());
    if (p == std::string_view::npos || obj[p] != ':') {
      at += quoted.size();
      continue;
    }
    p = obj.find_first_not_of(" \t\r\n", p + 1);
    if (p == std::string_view::npos) return std::nullopt;
    if (obj[p] == '"') {
      std::size_t end = p + 1;
      while (end < obj.size() && obj[end] != '"') end += obj[end] == '\\' ? 2 : 1;
      if (end >= obj.size()) return std::nullopt;
      return obj.substr(p + 1, end - p - 1);
    }
    if (obj[p] == '[') {
      std::size_t end = obj.find(']', p);
      if (end == std::string_view::npos) return std::nullopt;
      return obj.substr(p, end - p + 1);
    }
    std::size_t end = obj.find_first_of(",} \t\r\n", p);
    return obj.substr(p, end == std::string_view::npos ? std::string_view::npos : end - p);
  }
  return std::nullopt;
}

class OAuthBearerServer final : public MechanismServer {
 public:
  OAuthBearerServer(const SaslServerOptions& options, SaslServer::Stats& stats) : options_(options), stats_(stats) {}
  Outcome step(std::string_view m) override {
    if (!error_.empty()) {
      // RFC 7628 3.2.3: after the error challenge only a single 0x01 is valid.
      if (m == "\x01") ++stats_.oauth_acks;
      return {false, false, "", error_};
    }
    auto header_end = m.find(',', m.find(',') == std::string_view::npos ? m.size() : m.find(',') + 1);
    if (m.substr(0, 2) != "n," || header_end == std::string_view::npos) return {};
    std::string_view rest = m.substr(header_end + 1);
    // \x01 k=v \x01 k=v \x01 ... \x01 \x01
    if (rest.size() < 2 || rest.front() != '\x01' || rest.substr(rest.size() - 2) != "\x01\x01") return {};
    rest = rest.substr(1, rest.size() - 2);
    std::string token;
    std::map<std::string, std::string> extensions;
    bool have_auth = false;
    while (!rest.empty()) {
      auto end = rest.find('\x01');
      if (end == std::string_view::npos) return {};
      std::string_view kv = rest.substr(0, end);
      rest.remove_prefix(end + 1);
      auto eq = kv.find('=');
      if (eq == std::string_view::npos || eq == 0) return {};
      std::string_view key = kv.substr(0, eq), value = kv.substr(eq + 1);
      if (key == "auth") {
        if (have_auth || value.substr(0, 7) != "Bearer ") return {};
        token = std::string(value.substr(7));
        have_auth = true;
      } else {
        extensions[std::string(key)] = std::string(value);
      }
    }
    if (!have_auth) return {};
    {
      std::lock_guard lock(stats_.oauth_mu);
      stats_.oauth_tokens.push_back(token);
    }
    std::string principal;
    const std::string status = validate(token, principal);
    if (!status.empty()) {
      error_ = "{\"status\":\"" + status + "\"" +
               (status == "insufficient_scope" ? ",\"scope\":\"" + options_.oauth_required_scope + "\"" : "") + "}";
      return {true, false, error_};  // the challenge; the exchange is not over
    }
    std::lock_guard lock(stats_.oauth_mu);
    stats_.oauth_principal = principal;
    stats_.oauth_extensions = std::move(extensions);
    return {true, true, ""};
  }

 private:
  // "" when the unsecured JWS is acceptable, else the RFC 6750 status.
  std::string validate(const std::string& token, std::string& principal) const {
    auto dot1 = token.find('.');
    auto dot2 = dot1 == std::string::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string::npos || dot2 + 1 != token.size()) return "invalid_token";  // signature must be empty
    auto header = net::base64url_decode(std::string_view(token).substr(0, dot1));
    auto claims = net::base64url_decode(std::string_view(token).substr(dot1 + 1, dot2 - dot1 - 1));
    if (!header || !claims) return "invalid_token";
    auto alg = oauth_json_field(*header, "alg");
    if (!alg || *alg != "none") return "invalid_token";
    auto sub = oauth_json_field(*claims, options_.oauth_principal_claim);
    auto exp = oauth_json_field(*claims, "exp");
    if (!sub || sub->empty() || !exp) return "invalid_token";
    double exp_seconds = 0;
    try {
      std::size_t used = 0;
      exp_seconds = std::stod(std::string(*exp), &used);
      if (used != exp->size()) return "invalid_token";
    } catch (const std::exception&) {
      return "invalid_token";
    }
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (exp_seconds <= now) return "invalid_token";
    if (!options_.oauth_required_scope.empty()) {
      auto scope = oauth_json_field(*claims, options_.oauth_scope_claim);
      bool found = false;
      if (scope && scope->starts_with("[")) found = scope->find("\"" + options_.oauth_required_scope + "\"") != std::string_view::npos;
      else if (scope) found = (" " + std::string(*scope) + " ").find(" " + options_.oauth_required_scope + " ") != std::string::npos;
      if (!found) return "insufficient_scope";
    }
    principal = std::string(*sub);
    return "";
  }

  const SaslServerOptions& options_;
  SaslServer::Stats& stats_;
  std::string error_;
};

}  // namespace

std::unique_ptr<MechanismServer> make_oauthbearer_server(const SaslServerOptions& options, SaslServer::Stats& stats) {
  return std::make_unique<OAuthBearerServer>(options, stats);
}

}  // namespace kwire::test::sasl_server
