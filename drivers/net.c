/* Which driver handles dumpling.nic=, and the MAC address check. */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "drivers/net.h"

int net_open(const struct disk_spec *spec, const uint8_t *mac, struct net_dev *out,
	     char *err, size_t errlen)
{
	char drv[sizeof(spec->driver) + 1];
	int r;

	memset(out, 0, sizeof(*out));
	memcpy(drv, spec->driver, sizeof(spec->driver));
	drv[sizeof(spec->driver)] = 0;

	if (strcmp(drv, "e1000") == 0)
		r = e1000_open(spec, out, err, errlen);
	else if (strcmp(drv, "virtio-net") == 0)
		r = virtio_net_open(spec, out, err, errlen);
	else {
		snprintf(err, errlen, "unknown network driver \"%s\" (known: e1000, virtio-net)", drv);
		return -1;
	}
	if (r)
		return r;
	/* The loader saw this MAC at this PCI address. A different one means
	 * the card moved; sending from the wrong address would confuse the
	 * server's ARP cache, so say so but use the card's own. */
	if (mac && memcmp(mac, out->mac, 6) != 0)
		port_log("%s: MAC %02x:%02x:%02x:%02x:%02x:%02x, the loader saw "
			 "%02x:%02x:%02x:%02x:%02x:%02x; using the card's\n", out->name,
			 out->mac[0], out->mac[1], out->mac[2], out->mac[3], out->mac[4],
			 out->mac[5], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}
