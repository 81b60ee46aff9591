{
  "targets": [
    {
      "target_name": "whydied_native",
      "sources": ["native/kmsg.c", "native/procfs.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
