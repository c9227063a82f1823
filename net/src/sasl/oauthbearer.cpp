// SASL OAUTHBEARER: unsecured JWS, the shared token cache, the RFC 7628 client.
#include "kwire/net/sasl/oauthbearer.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "kwire/net/sasl/scram_crypto.hpp"

namespace kwire::net {
namespace {

std::string oauth_json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (u < 0x20) {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 0xF];
    } else out += c;
  }
  return out + '"';
}

std::vector<std::string_view> oauth_split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    auto at = text.find(sep);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

bool oauth_all_alpha(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); });
}

// Error codes some token provider returned, for is_token_provider_error.
struct ProviderErrors {
  std::mutex mu;
  std::vector<std::error_code> seen;
};
ProviderErrors& provider_errors() {
  static ProviderErrors errors;
  return errors;
}

void remember_provider_error(std::error_code ec) {
  auto& e = provider_errors();
  std::lock_guard lock(e.mu);
  if (std::find(e.seen.begin(), e.seen.end(), ec) == e.seen.end() && e.seen.size() < 64) e.seen.push_back(ec);
}

}  // namespace

bool valid_sasl_extension(std::string_view key, std::string_view value) noexcept {
  if (!oauth_all_alpha(key) || key == "auth" || value.empty()) return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 0x21 && u <= 0x7E) || c == ' ' || c == '\t' || c == '\r' || c == '\n';
  });
}

std::string base64url_encode(std::string_view data) {
  std::string s = base64_encode(protocol::as_bytes(data));
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string s(text);
  for (char& c : s) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
    else if (c == '+' || c == '/' || c == '=') return std::nullopt;
  }
  if (s.size() % 4 == 1) return std::nullopt;
  while (s.size() % 4 != 0) s += '=';
  auto bytes = base64_decode(s);
  if (!bytes) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

bool parse_unsecured_jws_config(std::string_view text, UnsecuredJwsOptions& out, std::string& why) {
  UnsecuredJwsOptions o;
  for (std::string_view item : oauth_split(text, ' ')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      why = "'" + std::string(item) + "' is not name=value";
      return false;
    }
    std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "principal") o.principal = value;
    else if (name == "principalClaimName") o.principal_claim = value;
    else if (name == "scopeClaimName") o.scope_claim = value;
    else if (name == "scope") {
      o.scope.clear();
      for (std::string_view s : oauth_split(value, ','))
        if (!s.empty()) o.scope.emplace_back(s);
    } else if (name == "lifeSeconds") {
      long long seconds = 0;
      auto [end, err] = std::from_chars(value.data(), value.data() + value.size(), seconds);
      if (err != std::errc{} || end != value.data() + value.size() || seconds < 1 || seconds > 365LL * 86400) {
        why = "lifeSeconds must be a number of seconds from 1 to 31536000, got '" + std::string(value) + "'";
        return false;
      }
      o.life = std::chrono::seconds(seconds);
    } else if (name.starts_with("extension_")) {
      std::string_view key = name.substr(10);
      if (!valid_sasl_extension(key, value)) {
        why = "extension '" + std::string(key) + "': the name must be letters only and not 'auth', the value printable";
        return false;
      }
      o.extensions[std::string(key)] = value;
    } else {
      why = "unknown name '" + std::string(name) +
            "' (known: principal, principalClaimName, scope, scopeClaimName, lifeSeconds, extension_NAME)";
      return false;
    }
  }
  if (o.principal.empty()) {
    why = "principal=NAME is required";
    return false;
  }
  if (o.principal_claim.empty() || o.scope_claim.empty() || o.principal_claim == o.scope_claim) {
    why = "principalClaimName and scopeClaimName must be non-empty and different";
    return false;
  }
  out = std::move(o);
  return true;
}

OAuthBearerToken make_unsecured_jws(const UnsecuredJwsOptions& options, std::chrono::system_clock::time_point now) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  const auto iat = duration_cast<seconds>(now.time_since_epoch()).count();
  const auto exp = iat + options.life.count();
  std::string claims = "{" + oauth_json_string(options.principal_claim) + ":" + oauth_json_string(options.principal) +
                       ",\"iat\":" + std::to_string(iat) + ",\"exp\":" + std::to_string(exp);
  if (!options.scope.empty()) {
    claims += "," + oauth_json_string(options.scope_claim) + ":[";
    for (std::size_t i = 0; i < options.scope.size(); ++i) claims += (i ? "," : "") + oauth_json_string(options.scope[i]);
    claims += "]";
  }
  claims += "}";
  OAuthBearerToken t;
  t.value = base64url_encode(R"({"alg":"none"})") + "." + base64url_encode(claims) + ".";
  t.expiry = std::chrono::system_clock::time_point(seconds(exp));
  t.principal = options.principal;
  t.extensions = options.extensions;
  return t;
}

OAuthBearerTokenProvider unsecured_jws_provider(UnsecuredJwsOptions options) {
  return [options = std::move(options)] {
    return OAuthBearerTokenResult{make_unsecured_jws(options, std::chrono::system_clock::now()), {}};
  };
}

OAuthBearerTokenSource::OAuthBearerTokenSource(OAuthBearerTokenProvider provider, Clock clock)
    : provider_(std::move(provider)), clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

OAuthBearerTokenResult OAuthBearerTokenSource::token() {
  std::lock_guard lock(mu_);
  const auto now = clock_();
  if (cached_ && now < cached_->expiry) return {*cached_, {}};
  cached_.reset();
  ++calls_;
  OAuthBearerTokenResult got;
  try {
    if (provider_) got = provider_();
  } catch (...) {
    // It runs on the io thread: an exception must not end the client.
    return {{}, make_error_code(sasl_errc::oauthbearer_provider_threw)};
  }
  if (got.error) {
    remember_provider_error(got.error);
    return got;
  }
  if (got.token.value.empty()) return {{}, make_error_code(sasl_errc::oauthbearer_empty_token)};
  if (!(now < got.token.expiry)) return {{}, make_error_code(sasl_errc::oauthbearer_token_expired)};
  for (const auto& [key, value] : got.token.extensions) {
    // Sent as they are they could break the message's framing.
    if (!valid_sasl_extension(key, value)) return {{}, make_error_code(sasl_errc::oauthbearer_bad_extension)};
  }
  cached_ = got.token;
  return got;
}

int OAuthBearerTokenSource::provider_calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

bool is_token_provider_error(std::error_code ec) noexcept {
  if (!ec) return false;
  auto& e = provider_errors();
  std::lock_guard lock(e.mu);
  return std::find(e.seen.begin(), e.seen.end(), ec) != e.seen.end();
}

std::string oauthbearer_error_status(std::string_view challenge) {
  // A flat JSON object; only "status"'s string value is needed.
  auto key = challenge.find("\"status\"");
  if (key == std::string_view::npos) return {};
  auto colon = challenge.find_first_not_of(" \t\r\n", key + 8);
  if (colon == std::string_view::npos || challenge[colon] != ':') return {};
  auto open = challenge.find_first_not_of(" \t\r\n", colon + 1);
  if (open == std::string_view::npos || challenge[open] != '"') return {};
  auto close = challenge.find('"', open + 1);
  if (close == std::string_view::npos) return {};
  return std::string(challenge.substr(open + 1, close - open - 1));
}

std::vector<std::uint8_t> OAuthBearerClient::initial_response() {
  std::string m = "n,,\x01" "auth=Bearer " + token_.value + "\x01";
  for (const auto& [key, value] : token_.extensions) m += key + "=" + value + "\x01";
  m += "\x01";
  state_ = State::sent;
  std::vector<std::uint8_t> out(m.begin(), m.end());
  std::fill(m.begin(), m.end(), '\0');
  return out;
}

SaslStep OAuthBearerClient::on_server_message(protocol::Bytes server_message) {
  if (state_ != State::sent) {
    state_ = State::failed;
    return {make_error_code(sasl_errc::unexpected_message), false, {}};
  }
  if (server_message.empty()) {  // success: Kafka's server answers with no bytes
    state_ = State::done;
    return {{}, true, {}};
  }
  // RFC 7628 section 3.2.2: an error challenge; the client answers with a
  // single %x01 and the server then fails the exchange.
  state_ = State::failed;
  status_ = oauthbearer_error_status(protocol::as_string(server_message));
  sasl_errc e = status_ == "invalid_token"        ? sasl_errc::oauthbearer_invalid_token
                : status_ == "insufficient_scope" ? sasl_errc::oauthbearer_insufficient_scope
                : status_ == "invalid_request"    ? sasl_errc::oauthbearer_invalid_request
                                                  : sasl_errc::oauthbearer_refused;
  return {make_error_code(e), false, {0x01}};
}

}  // namespace kwire::net
