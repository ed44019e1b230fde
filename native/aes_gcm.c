// AES-256-GCM for the p2p datagram seal (src/p2p/seal.ts, wrapped by src/p2p/aes-gcm-native.ts).
//
// Node's createCipheriv builds a cipher object, an OpenSSL context and the key schedule for every
// datagram, and its update() returns a fresh zero-filled buffer. Here a context is made once per
// key (one per transfer direction) and only the nonce is set per datagram; the output goes into
// a buffer the caller provides. The cipher is the OpenSSL that Node itself is built with and
// exports (the addon links against no library: its symbols resolve in the node binary), so the
// bytes on the wire are the same as node:crypto's.
//
// The nonce is the one seal.ts uses: 4 zero bytes and the 64-bit packet number, big-endian.
#include <node_api.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define KEY_BYTES 32
#define NONCE_BYTES 12
#define TAG_BYTES 16

#define CHECK(env, call)                                                                           \
  do {                                                                                             \
    if ((call) != napi_ok) return NULL;                                                            \
  } while (0)

static napi_value fail(napi_env env, const char *message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void free_context(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  EVP_CIPHER_CTX_free((EVP_CIPHER_CTX *)data);
}

static int buffer_arg(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, (void **)data, length) == napi_ok;
}

// A packet number (a JavaScript number: an integer in [0, 2^53), as seal.ts keeps them) to the
// nonce. Anything else is refused rather than rounded: NaN would otherwise become 0, a nonce
// already used.
static int nonce_arg(napi_env env, napi_value value, uint8_t nonce[NONCE_BYTES]) {
  double d = -1;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0) || d >= 9007199254740992.0 ||
      d != (double)(uint64_t)d)
    return 0;
  uint64_t n = (uint64_t)d;
  memset(nonce, 0, 4);
  for (int i = 0; i < 8; i++) nonce[4 + i] = (uint8_t)(n >> (56 - 8 * i));
  return 1;
}

static EVP_CIPHER_CTX *context_arg(napi_env env, napi_value value) {
  void *ctx = NULL;
  if (napi_unwrap(env, value, &ctx) != napi_ok) return NULL;
  return (EVP_CIPHER_CTX *)ctx;
}

// context(key: Buffer(32), encrypt: boolean): an object holding the key's context, freed with it.
static napi_value js_context(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint8_t *key = NULL;
  size_t key_length = 0;
  bool encrypt = false;
  if (argc < 2 || !buffer_arg(env, argv[0], &key, &key_length) || key_length != KEY_BYTES ||
      napi_get_value_bool(env, argv[1], &encrypt) != napi_ok)
    return fail(env, "context(key: 32-byte Buffer, encrypt: boolean)");
  EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
  if (ctx == NULL) return fail(env, "EVP_CIPHER_CTX_new failed");
  // The nonce comes per datagram; its length (12) is GCM's default.
  if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, NULL, encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return fail(env, "EVP_CipherInit_ex failed");
  }
  napi_value holder;
  if (napi_create_object(env, &holder) != napi_ok ||
      napi_wrap(env, holder, ctx, free_context, NULL, NULL) != napi_ok) {
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
  }
  return holder;
}

// seal(ctx, packetNumber, head, aadBytes, payload | null, out): out receives the datagram as it
// is sent: head[0, aadBytes) (the associated data) as it is, head[aadBytes, ) and then payload
// encrypted, then the tag; out.length must be exactly head.length + payload.length + 16.
static napi_value js_seal(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  EVP_CIPHER_CTX *ctx = argc >= 6 ? context_arg(env, argv[0]) : NULL;
  uint8_t nonce[NONCE_BYTES];
  uint8_t *head = NULL, *payload = NULL, *out = NULL;
  size_t head_length = 0, payload_length = 0, out_length = 0;
  uint32_t aad_length = 0;
  napi_valuetype payload_type = napi_null;
  if (ctx == NULL || !nonce_arg(env, argv[1], nonce) ||
      !buffer_arg(env, argv[2], &head, &head_length) ||
      napi_get_value_uint32(env, argv[3], &aad_length) != napi_ok || aad_length > head_length ||
      napi_typeof(env, argv[4], &payload_type) != napi_ok ||
      (payload_type != napi_null && payload_type != napi_undefined &&
       !buffer_arg(env, argv[4], &payload, &payload_length)) ||
      !buffer_arg(env, argv[5], &out, &out_length) ||
      out_length != head_length + payload_length + TAG_BYTES)
    return fail(env, "seal(ctx, packetNumber, head, aadBytes, payload, out): bad arguments");
  size_t body_length = head_length - aad_length;
  memmove(out, head, aad_length);
  out += aad_length;
  int n = 0;
  int ok = EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
           EVP_EncryptUpdate(ctx, NULL, &n, head, (int)aad_length) == 1 &&
           (body_length == 0 ||
            EVP_EncryptUpdate(ctx, out, &n, head + aad_length, (int)body_length) == 1) &&
           (payload_length == 0 ||
            EVP_EncryptUpdate(ctx, out + body_length, &n, payload, (int)payload_length) == 1) &&
           EVP_EncryptFinal_ex(ctx, out + body_length + payload_length, &n) == 1 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_BYTES,
                               out + body_length + payload_length) == 1;
  if (!ok) return fail(env, "AES-256-GCM encryption failed");
  return NULL;
}

// open(ctx, packetNumber, sealed, aadBytes, out) -> boolean: sealed is associated data (aadBytes),
// ciphertext, tag; the plaintext goes to out (exactly the ciphertext's length; it may be the
// ciphertext's own bytes, decrypting in place). false when the tag does not match: out then
// holds garbage, to be discarded.
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  EVP_CIPHER_CTX *ctx = argc >= 5 ? context_arg(env, argv[0]) : NULL;
  uint8_t nonce[NONCE_BYTES];
  uint8_t *sealed = NULL, *out = NULL;
  size_t sealed_length = 0, out_length = 0;
  uint32_t aad_length = 0;
  if (ctx == NULL || !buffer_arg(env, argv[2], &sealed, &sealed_length) ||
      napi_get_value_uint32(env, argv[3], &aad_length) != napi_ok ||
      (size_t)aad_length + TAG_BYTES > sealed_length ||
      !buffer_arg(env, argv[4], &out, &out_length) ||
      out_length != sealed_length - aad_length - TAG_BYTES)
    return fail(env, "open(ctx, packetNumber, sealed, aadBytes, out): bad arguments");
  napi_value result;
  // A received packet number no seal ever uses (2^53 and above: a forgery) cannot open.
  if (!nonce_arg(env, argv[1], nonce)) {
    CHECK(env, napi_get_boolean(env, false, &result));
    return result;
  }
  // The tag is copied out first: decrypting in place must not be able to touch it.
  uint8_t tag[TAG_BYTES];
  memcpy(tag, sealed + sealed_length - TAG_BYTES, TAG_BYTES);
  int n = 0;
  int ok = EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) == 1 &&
           EVP_DecryptUpdate(ctx, NULL, &n, sealed, (int)aad_length) == 1 &&
           (out_length == 0 ||
            EVP_DecryptUpdate(ctx, out, &n, sealed + aad_length, (int)out_length) == 1) &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_BYTES, tag) == 1 &&
           EVP_DecryptFinal_ex(ctx, out + out_length, &n) == 1;
  CHECK(env, napi_get_boolean(env, ok, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"context", NULL, js_context, NULL, NULL, NULL, napi_default, NULL},
      {"seal", NULL, js_seal, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, 3, properties));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
