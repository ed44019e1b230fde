# The native AES-256-GCM of the p2p seal (aes_gcm.c). Built by scripts/build-native.mjs
# (`npm run build:native`); nothing links against a library: the OpenSSL symbols are the ones
# the node binary exports, and its headers are Node's own (include/node/openssl).
{
  "targets": [
    {
      "target_name": "aes_gcm",
      "sources": ["aes_gcm.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
