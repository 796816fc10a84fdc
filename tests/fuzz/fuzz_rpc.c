/*
 * RPC, portmapper, MOUNT and NFSv3 replies (net/rpc.c, net/mount.c,
 * net/nfs3.c). The first input byte picks the procedure whose results are
 * decoded after the RPC reply header; the rest is the reply record as the
 * server sent it (without the record mark).
 */
#include "net/mount.c"
#include "net/nfs3.c"
#include "net/rpc.c"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfs_fh fh;
	struct xdr x;
	uint8_t verf[NFS3_WRITEVERFSIZE], op;
	uint32_t xid = 0, a, b;
	char err[160];
	bool have;
	/* An exact-size copy: ASan sees any read past the reply. */
	uint8_t *rec;

	if (size < 1)
		return 0;
	op = data[0];
	size--;
	memset(&fh, 0, sizeof(fh));	/* left alone by a failing decode */
	rec = malloc(size ? size : 1);
	memcpy(rec, data + 1, size);
	if (rpc_peek_xid(rec, size, &xid) && size < 4)
		abort();
	xdr_init(&x, rec, size);
	if (rpc_get_reply(&x, xid, err, sizeof(err)) == RPC_OK) {
		switch (op % 8) {
		case 0: pmap_get_getport(&x); break;
		case 1: mnt_get_mnt(&x, &fh); if (fh.len > NFS3_FHSIZE) abort(); break;
		case 2: nfs3_get_lookup(&x, &fh); if (fh.len > NFS3_FHSIZE) abort(); break;
		case 3: nfs3_get_create(&x, &fh, &have); break;
		case 4: nfs3_get_write(&x, &a, &b, verf); break;
		case 5: nfs3_get_commit(&x, verf); break;
		case 6: nfs3_get_fsinfo(&x, &a, &b); break;
		default:
			xdr_get_opaque(&x, verf, sizeof(verf));
			xdr_get_u64(&x);
			xdr_get_bool(&x);
			break;
		}
		if (x.pos > x.len)
			abort();
	} else if (!err[0]) {
		abort();
	}
	free(rec);
	return 0;
}
