// SPDX-License-Identifier: MIT
#include "store/crypto.hpp"

#include "error.hpp"
#include "flow/lifecycle.hpp"
#include "flow/pkce.hpp"
#include "sys/random.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace oauthlink::store {

namespace {

constexpr size_t k_nonce = 12; // 96 bits (NIST SP 800-38D §8.2: the recommended IV length)
constexpr size_t k_tag = 16;
const std::string k_prefix = "v1:";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// Standard or URL-safe base64, padding optional; nullopt for anything else.
std::optional<std::string> base64_decode(std::string text) {
  for (auto& c : text) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
  }
  while (text.size() % 4 != 0)
    text.push_back('=');
  size_t padding = text.size() - std::min(text.size(), text.find_last_not_of('=') + 1);
  if (text.empty() || padding > 2)
    return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0)
    return std::nullopt;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

const unsigned char* bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

} // namespace

std::optional<Key> parse_key(const std::string& raw) {
  size_t begin = raw.find_first_not_of(" \t\r\n");
  size_t end = raw.find_last_not_of(" \t\r\n");
  if (begin == std::string::npos)
    return std::nullopt;
  std::string text = raw.substr(begin, end - begin + 1);
  Key key{};
  bool hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return std::isxdigit(static_cast<unsigned char>(c)) != 0;
             });
  if (hex) {
    long length = 0;
    std::unique_ptr<unsigned char, void (*)(unsigned char*)> bytes_of(
        OPENSSL_hexstr2buf(text.c_str(), &length), [](unsigned char* p) { OPENSSL_free(p); });
    if (!bytes_of || length != static_cast<long>(key.size()))
      return std::nullopt;
    std::copy(bytes_of.get(), bytes_of.get() + key.size(), key.begin());
    return key;
  }
  auto decoded = base64_decode(text);
  if (!decoded || decoded->size() != key.size())
    return std::nullopt;
  std::copy(decoded->begin(), decoded->end(), key.begin());
  return key;
}

std::string key_to_hex(const Key& key) {
  return flow::hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

bool is_sealed(const std::string& value) {
  return value.compare(0, k_prefix.size(), k_prefix) == 0;
}

std::string seal(const Key& key, const std::string& plaintext, const std::string& aad) {
  std::string nonce = sys::random_bytes(k_nonce);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(plaintext.size(), '\0');
  std::string tag(k_tag, '\0');
  int len = 0;
  bool ok =
      ctx
      && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(nonce)) == 1;
  ok =
      ok
      && EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1;
  ok = ok
       && EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                            bytes(plaintext), static_cast<int>(plaintext.size()))
              == 1;
  ok = ok && EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) == 1;
  ok = ok
       && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(k_tag), tag.data())
              == 1;
  if (!ok)
    throw Error("store: AES-256-GCM encryption failed");
  return k_prefix + flow::base64(nonce + out + tag);
}

std::optional<std::string> unseal(const Key& key, const std::string& sealed,
                                  const std::string& aad) {
  if (!is_sealed(sealed))
    return std::nullopt;
  auto raw = base64_decode(sealed.substr(k_prefix.size()));
  if (!raw || raw->size() < k_nonce + k_tag)
    return std::nullopt;
  std::string nonce = raw->substr(0, k_nonce);
  std::string tag = raw->substr(raw->size() - k_tag);
  std::string body = raw->substr(k_nonce, raw->size() - k_nonce - k_tag);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out(body.size(), '\0');
  int len = 0;
  bool ok =
      ctx
      && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), bytes(nonce)) == 1;
  ok =
      ok
      && EVP_DecryptUpdate(ctx.get(), nullptr, &len, bytes(aad), static_cast<int>(aad.size())) == 1;
  ok = ok
       && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                            bytes(body), static_cast<int>(body.size()))
              == 1;
  ok = ok
       && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(k_tag), tag.data())
              == 1;
  // The tag check: fails for another key, another aad or any changed byte.
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) == 1;
  if (!ok)
    return std::nullopt;
  return out;
}

} // namespace oauthlink::store
