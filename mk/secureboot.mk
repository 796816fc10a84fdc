# Secure Boot: `make sign KEY=signing.key CERT=signing.pem` writes
# build/dumpling.signed.img, an Authenticode-signed copy of the image that
# kexec_file_load accepts under lockdown once CERT is enrolled (MOK or db).
# See docs/secure-boot.md.

.PHONY: sign
sign: $(BUILD)/dumpling.img
	@if [ -z "$(KEY)" ] || [ -z "$(CERT)" ]; then \
		echo "usage: make sign KEY=signing.key CERT=signing.pem" >&2; exit 2; fi
	tools/sign-image.sh "$(KEY)" "$(CERT)" $(BUILD)/dumpling.img $(BUILD)/dumpling.signed.img
