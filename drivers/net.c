/* Which driver handles dumpling.nic=, and the MAC address check. */
#include <stdio.h>
#include <string.h>

#include "capture/ports.h"
#include "drivers/net.h"
#include "capture/fmt.h"

int net_open(const struct pci_fn *spec, const uint8_t *mac, struct net_dev *out,
	     char *err, size_t errlen)
{
	const char *name = pci_fn_kind_name(spec->kind);
	int r;

	memset(out, 0, sizeof(*out));
	if (spec->kind == PCI_FN_E1000)
		r = e1000_open(spec, out, err, errlen);
	else if (spec->kind == PCI_FN_VIRTIO_NET)
		r = virtio_net_open(spec, out, err, errlen);
	else {
		return errf(err, errlen, "\"%s\" is not a network driver (known: e1000, virtio-net)",
			    name ? name : "none");
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
