# dumpling-collect: the capture core on the host, as a makedumpfile
# alternative (tools/dumpling-collect.c).

EXTRA_ALL += $(BUILD)/dumpling-collect

$(BUILD)/dumpling-collect: tools/dumpling-collect.c tools/host_port.c tools/host_io.c tools/term_progress.c tools/host_workers.c $(BUILD)/libcore.a
	$(HOSTCC) $(HOST_CFLAGS) tools/dumpling-collect.c tools/host_port.c tools/host_io.c tools/term_progress.c tools/host_workers.c $(BUILD)/libcore.a \
		-o $@ $(HOST_LIBS) -pthread
