/*
 * The capture image as a PE file: does it have a PE header the kernel's
 * pefile parser accepts, is it signed, and by whom. Only for telling the user
 * what will happen and why; the kernel does the real verification.
 */
#ifndef LOADER_PESIG_H
#define LOADER_PESIG_H

#include <stddef.h>
#include <stdint.h>

struct pe_sig {
	int is_pe;		/* MZ, PE header, optional header as the kernel wants */
	const char *why_not_pe;	/* when !is_pe */
	int is_signed;		/* the certificate table is present */
	int nsigs;		/* WIN_CERTIFICATE entries; the kernel uses the first */
	uint32_t cert_off, cert_len;
	char subject[256];	/* "/CN=.../O=..." of the first signature's signer,
				 * "" when it cannot be read */
};

/* Fills ps. Never fails: anything unreadable just leaves fields 0 or "". */
void pe_sig_inspect(const unsigned char *d, size_t len, struct pe_sig *ps);

/*
 * The subject of the certificate that signed a PKCS#7 SignedData (DER), as
 * "/CN=.../O=...". Returns 0, or -1 if der is not what sbsign/pesign write.
 */
int pkcs7_signer_subject(const unsigned char *der, size_t len, char *out, size_t n);

#endif
