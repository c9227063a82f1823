// The client's OpenSSL context (built once from TlsSettings) and the
// per-connection steps around a handshake: SNI, host-name check, diagnosis.
#include "kwire/net/tls/tls_context.hpp"

#include <filesystem>

#include <asio/ip/address.hpp>
#include <asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kwire::net {
namespace {

TlsContextResult failure(tls_errc code, std::string detail) {
  return {nullptr, make_error_code(code), std::move(detail)};
}

std::string quoted(const std::string& path) { return "'" + path + "'"; }

// Loads trust anchors: a PEM bundle, a hashed directory, or the system store.
std::error_code load_trust(asio::ssl::context& ctx, const TlsSettings& s, std::string& detail) {
  std::error_code ec;
  if (!s.ca_pem.empty()) {
    if (!s.ca_location.empty()) {
      detail = "ssl.ca.location and ssl.ca.pem are both set: use one";
      return make_error_code(tls_errc::invalid_settings);
    }
    ctx.add_certificate_authority(asio::buffer(s.ca_pem), ec);
    if (ec) detail = "ssl.ca.pem: " + ec.message();
    return ec ? make_error_code(tls_errc::ca_location_unreadable) : std::error_code{};
  }
  if (s.ca_location.empty()) {
    ctx.set_default_verify_paths(ec);
    if (ec) detail = "the system CA store could not be loaded: " + ec.message();
    return ec ? make_error_code(tls_errc::ca_location_unreadable) : std::error_code{};
  }
  std::error_code fs_ec;
  auto status = std::filesystem::status(s.ca_location, fs_ec);
  if (fs_ec || !std::filesystem::exists(status)) {
    detail = "ssl.ca.location " + quoted(s.ca_location) + " does not exist";
    return make_error_code(tls_errc::ca_location_unreadable);
  }
  if (std::filesystem::is_directory(status)) ctx.add_verify_path(s.ca_location, ec);
  else ctx.load_verify_file(s.ca_location, ec);
  if (ec) {
    detail = "ssl.ca.location " + quoted(s.ca_location) + ": " + ec.message();
    return make_error_code(tls_errc::ca_location_unreadable);
  }
  return {};
}

// Loads the client certificate, then its key, with `load_certificate` and
// `load_key` (from files or from PEM text); `certificate_name` and `key_name`
// name the settings in error details. Never puts the pass phrase in a detail.
template <typename LoadCertificate, typename LoadKey>
std::error_code load_identity(asio::ssl::context& ctx, const TlsSettings& s, const std::string& certificate_name,
                              const std::string& key_name, LoadCertificate load_certificate, LoadKey load_key,
                              std::string& detail) {
  std::error_code ec;
  load_certificate(ec);
  if (ec) {
    detail = certificate_name + ": " + ec.message();
    return make_error_code(tls_errc::certificate_unreadable);
  }
  if (!s.key_password.empty()) {
    // The callback owns a copy, wiped when the context dies.
    ctx.set_password_callback(
        [password = s.key_password](std::size_t, asio::ssl::context::password_purpose) {
          return std::string(password.reveal());
        },
        ec);
    if (ec) {
      detail = "the key pass phrase callback could not be installed";
      return make_error_code(tls_errc::context_setup_failed);
    }
  }
  load_key(ec);
  const bool mismatch = ec ? ec.category() == asio::error::get_ssl_category() &&
                                 ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH
                          : SSL_CTX_check_private_key(ctx.native_handle()) != 1;
  if (mismatch) {
    detail = key_name + " does not match " + certificate_name;
    return make_error_code(tls_errc::private_key_mismatch);
  }
  if (ec) {
    // OpenSSL's reason names the failing step, never the pass phrase.
    detail = key_name + ": " + ec.message();
    return make_error_code(tls_errc::private_key_unreadable);
  }
  return {};
}

// The client identity from PEM text (ssl.certificate.pem / ssl.key.pem).
std::error_code load_client_identity_pem(asio::ssl::context& ctx, const TlsSettings& s, std::string& detail) {
  if (!s.certificate_location.empty() || !s.key_location.empty()) {
    detail = "a client certificate is set both as files and as PEM text: use one";
    return make_error_code(tls_errc::invalid_settings);
  }
  if (s.certificate_pem.empty() || s.key_pem.empty()) {
    detail = "ssl.certificate.pem and ssl.key.pem must both be set, or neither";
    return make_error_code(tls_errc::invalid_settings);
  }
  return load_identity(
      ctx, s, "ssl.certificate.pem", "ssl.key.pem",
      [&](std::error_code& ec) { ctx.use_certificate_chain(asio::buffer(s.certificate_pem), ec); },
      [&](std::error_code& ec) {
        ctx.use_private_key(asio::buffer(s.key_pem.reveal().data(), s.key_pem.reveal().size()),
                            asio::ssl::context::pem, ec);
      },
      detail);
}

std::error_code load_client_identity(asio::ssl::context& ctx, const TlsSettings& s, std::string& detail) {
  if (!s.certificate_pem.empty() || !s.key_pem.empty()) return load_client_identity_pem(ctx, s, detail);
  if (s.certificate_location.empty() && s.key_location.empty()) return {};
  if (s.certificate_location.empty() || s.key_location.empty()) {
    detail = "ssl.certificate.location and ssl.key.location must both be set, or neither";
    return make_error_code(tls_errc::invalid_settings);
  }
  return load_identity(
      ctx, s, "ssl.certificate.location " + quoted(s.certificate_location),
      "ssl.key.location " + quoted(s.key_location),
      [&](std::error_code& ec) { ctx.use_certificate_chain_file(s.certificate_location, ec); },
      [&](std::error_code& ec) { ctx.use_private_key_file(s.key_location, asio::ssl::context::pem, ec); }, detail);
}

bool is_ip_literal(const std::string& host) {
  std::error_code ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

TlsContextResult make_tls_context(const TlsSettings& settings) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  std::error_code ec;
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::no_compression,
                   ec);
  if (ec || SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
    return failure(tls_errc::context_setup_failed, "TLS 1.2 could not be set as the minimum version");

  std::string detail;
  if (settings.verify_peer) {
    if (auto err = load_trust(*ctx, settings, detail)) return {nullptr, err, detail};
  }
  ctx->set_verify_mode(settings.verify_peer ? asio::ssl::verify_peer : asio::ssl::verify_none, ec);
  if (ec) return failure(tls_errc::context_setup_failed, "the verification mode could not be set");
  if (auto err = load_client_identity(*ctx, settings, detail)) return {nullptr, err, detail};
  return {std::move(ctx), {}, {}};
}

std::error_code prepare_tls_client(SSL* ssl, std::string_view host_view, const TlsSettings& settings) {
  std::string host(host_view);
  bool ip = is_ip_literal(host);
  // RFC 6066: SNI carries DNS names only.
  if (settings.send_sni && !ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    return make_error_code(tls_errc::context_setup_failed);
  if (settings.verify_peer && settings.verify_hostname) {
    if (ip) {
      if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
        return make_error_code(tls_errc::context_setup_failed);
    } else {
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (SSL_set1_host(ssl, host.c_str()) != 1) return make_error_code(tls_errc::context_setup_failed);
    }
  }
  return {};
}

std::error_code classify_tls_failure(const SSL* ssl, std::error_code handshake_error) noexcept {
  long result = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  switch (result) {
    case X509_V_OK:
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return make_error_code(tls_errc::certificate_expired);
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return make_error_code(tls_errc::certificate_not_yet_valid);
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return make_error_code(tls_errc::hostname_mismatch);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return make_error_code(tls_errc::untrusted_certificate);
    default:
      return make_error_code(tls_errc::certificate_rejected);
  }
  if (!handshake_error) return {};
  // A TLS-level failure without a certificate verdict (version, cipher, or a
  // peer that is not TLS at all); socket errors stay what they are.
  if (handshake_error.category() == asio::error::get_ssl_category() ||
      handshake_error.category() == asio::ssl::error::get_stream_category())
    return make_error_code(tls_errc::handshake_failed);
  return handshake_error;
}

std::string describe_tls_failure(const SSL* ssl, std::string_view host, std::error_code handshake_error) {
  std::error_code kind = classify_tls_failure(ssl, handshake_error);
  std::string text = "TLS handshake with '" + std::string(host) + "' failed: " + kind.message();
  long result = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
  if (result != X509_V_OK) text += std::string(" (OpenSSL: ") + X509_verify_cert_error_string(result) + ")";
  else if (handshake_error && kind != handshake_error) text += " (" + handshake_error.message() + ")";
  return text;
}

}  // namespace kwire::net
