# The Debian package (debian/): `make deb` writes build/deb/dumpling_<version>_amd64.deb,
# and `make check-deb` runs lintian on it (tests/unit/test_deb.sh does that too).

DEB_DIR := $(BUILD)/deb

.PHONY: deb check-deb
deb: all
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)
	BUILD=$(BUILD) fakeroot debian/rules binary
	@ls $(DEB_DIR)/dumpling_*.deb

check-deb: deb
	lintian --fail-on error $(DEB_DIR)/dumpling_*.deb
