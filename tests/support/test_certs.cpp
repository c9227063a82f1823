// Generates TestPki's keys and certificates with OpenSSL (EC P-256 keys,
// SHA-256 signatures). Test-only; throws std::runtime_error on failure.
#include "test_certs.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace kwire::test {
namespace {

using KeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertPtr = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

KeyPtr new_key() {
  KeyPtr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EC key generation");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "certificate extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

struct CertSpec {
  std::string common_name;
  std::string subject_alt_names;  // "DNS:localhost,IP:127.0.0.1"; empty for CAs
  bool is_ca = false;
  long valid_from_seconds = -3600;  // relative to now
  long valid_to_seconds = 86400;
};

// Signs `key`'s certificate with issuer_key; self-signed when issuer is null.
CertPtr make_cert(EVP_PKEY* key, const CertSpec& spec, X509* issuer, EVP_PKEY* issuer_key, long serial) {
  CertPtr cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), spec.valid_from_seconds);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), spec.valid_to_seconds);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("kwire tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509* signer = issuer ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  add_extension(cert.get(), signer, NID_subject_key_identifier, "hash");
  if (spec.is_ca) {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(cert.get(), signer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), signer, NID_ext_key_usage, "serverAuth,clientAuth");
    if (!spec.subject_alt_names.empty())
      add_extension(cert.get(), signer, NID_subject_alt_name, spec.subject_alt_names.c_str());
  }
  add_extension(cert.get(), signer, NID_authority_key_identifier, "keyid:always");
  check(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open certificate file");
  bool ok = PEM_write_X509(f, cert) == 1;
  std::fclose(f);
  check(ok, "write certificate");
}

void write_key(const std::string& path, EVP_PKEY* key, const std::string& password = {}) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open key file");
  bool ok = password.empty()
                ? PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1
                : PEM_write_PrivateKey(f, key, EVP_aes_256_cbc(), reinterpret_cast<const unsigned char*>(password.data()),
                                       static_cast<int>(password.size()), nullptr, nullptr) == 1;
  std::fclose(f);
  check(ok, "write key");
}

}  // namespace

TestPki::TestPki() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kwire-pki-XXXXXX").string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  check(mkdtemp(buf.data()) != nullptr, "mkdtemp");
  dir = buf.data();

  KeyPtr ca_key = new_key();
  CertPtr ca = make_cert(ca_key.get(), {"kwire test CA", "", true}, nullptr, nullptr, 1);
  ca_file = dir + "/ca.pem";
  write_cert(ca_file, ca.get());
  ca_dir = dir + "/ca.d";
  std::filesystem::create_directory(ca_dir);
  char hashed[32];
  std::snprintf(hashed, sizeof hashed, "/%08lx.0", X509_subject_name_hash(ca.get()));
  write_cert(ca_dir + hashed, ca.get());

  KeyPtr other_key = new_key();
  CertPtr other = make_cert(other_key.get(), {"unrelated test CA", "", true}, nullptr, nullptr, 2);
  other_ca_file = dir + "/other-ca.pem";
  write_cert(other_ca_file, other.get());

  long serial = 10;
  auto issue = [&](const std::string& name, CertSpec spec, X509* issuer, EVP_PKEY* issuer_key,
                   const std::string& password = {}) {
    KeyPtr key = new_key();
    CertPtr cert = make_cert(key.get(), spec, issuer, issuer_key, serial++);
    CertAndKey out{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
    write_cert(out.cert_file, cert.get());
    write_key(out.key_file, key.get(), password);
    return out;
  };
  const std::string localhost = "DNS:localhost,IP:127.0.0.1";
  server = issue("server", {"localhost", localhost}, ca.get(), ca_key.get());
  wrong_host = issue("wrong-host", {"wrong-host.invalid", "DNS:wrong-host.invalid"}, ca.get(), ca_key.get());
  expired = issue("expired", {"localhost", localhost, false, -2 * 86400, -86400}, ca.get(), ca_key.get());
  untrusted = issue("untrusted", {"localhost", localhost}, other.get(), other_key.get());
  client = issue("client", {"kwire-client", "DNS:kwire-client"}, ca.get(), ca_key.get());
  encrypted_key_password = "pki-pass-phrase-4711";
  encrypted_client = issue("client-encrypted", {"kwire-client", "DNS:kwire-client"}, ca.get(), ca_key.get(),
                           encrypted_key_password);
}

TestPki::~TestPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace kwire::test
