# lwIP (Debian's source package, fetched at build time) and our network code
# (net/*.c) for the capture image's nfs target; lwIP's platform port is
# arch/x86_64/lwip_port.c.
#
# third_party/lwip is git-ignored and filled by tools/fetch-source.sh with
# `apt-get source lwip`. Only lwIP's core (IPv4, ARP, ICMP, UDP, TCP) and its
# Ethernet layer are built, with our options in net/port/lwipopts.h.

LWIP_DIR   := third_party/lwip
LWIP_STAMP := $(LWIP_DIR)/.fetched
LWIP_SRC   := $(addprefix $(LWIP_DIR)/src/core/,init.c def.c inet_chksum.c ip.c mem.c \
		memp.c netif.c pbuf.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	      $(addprefix $(LWIP_DIR)/src/core/ipv4/,etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	      $(LWIP_DIR)/src/netif/ethernet.c
LWIP_OBJ   := $(patsubst %,$(BUILD)/img/%.o,$(LWIP_SRC))
NET_SRC    := $(wildcard net/*.c)
NET_OBJ    := $(patsubst %,$(BUILD)/img/%.o,$(NET_SRC))
LWIP_INC   := -Inet/port -I$(LWIP_DIR)/src/include

IMG_EXTRA_OBJ += $(LWIP_OBJ) $(NET_OBJ)

$(LWIP_STAMP):
	tools/fetch-source.sh lwip $(LWIP_DIR)

# lwIP is third-party code: its own warnings are not ours to fix.
$(LWIP_OBJ): $(BUILD)/img/%.c.o: $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(IMG_CFLAGS) $(LWIP_INC) -w -MMD -MP -c $*.c -o $@

$(NET_OBJ): $(BUILD)/img/%.c.o: %.c $(LWIP_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(IMG_CFLAGS) $(LWIP_INC) -MMD -MP -c $< -o $@

# lwIP's platform port (clock, random numbers, assertions) is the image's.
$(BUILD)/img/arch/x86_64/lwip_port.c.o: IMG_CFLAGS += $(LWIP_INC)
$(BUILD)/img/arch/x86_64/lwip_port.c.o: $(LWIP_STAMP)
