{
  # The optional native RTP forwarder (native/rtp-forwarder.c), built by
  # scripts/build-native.mjs on install. Plain C against node_api.h: no npm dependency.
  "targets": [
    {
      "target_name": "rtp_forwarder",
      "sources": ["native/rtp-forwarder.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-pthread"]
    }
  ]
}
