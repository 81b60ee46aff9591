{
  "targets": [
    {
      "target_name": "whydied_native",
      "sources": ["native/kmsg.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
