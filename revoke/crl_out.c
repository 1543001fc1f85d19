/* crl_out: writing a finished CRL, as DER or PEM, to a stream or atomically
 * to a file. A CRL of a million entries is about 50 MB of DER; PEM is made
 * in small pieces from it, so the whole output never exists twice in memory
 * (common/fileio's file_write_atomic takes one buffer, hence this writer). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/fileio.h"
#include "revoke/crl.h"

/* Input bytes per base64 step: a multiple of 48, so each step ends a line. */
#define PEM_CHUNK (48 * 1024)

int
crl_emit(FILE *fp, const struct crl *c, int der)
{
	unsigned char out[PEM_CHUNK / 3 * 4 + PEM_CHUNK / 48 + 8];
	size_t off = 0;

	if (der)
		return fwrite(c->der, 1, c->der_len, fp) == c->der_len ? RC_OK : RC_FAIL;
	if (fputs("-----BEGIN X509 CRL-----\n", fp) == EOF)
		return RC_FAIL;
	while (off < c->der_len) {
		size_t n = c->der_len - off < PEM_CHUNK ? c->der_len - off : PEM_CHUNK;
		size_t o = 0;
		/* 64 characters a line (RFC 7468 section 2). */
		for (size_t i = 0; i < n; i += 48) {
			size_t m = n - i < 48 ? n - i : 48;
			o += (size_t)EVP_EncodeBlock(out + o, c->der + off + i, (int)m);
			out[o++] = '\n';
		}
		if (fwrite(out, 1, o, fp) != o)
			return RC_FAIL;
		off += n;
	}
	if (fputs("-----END X509 CRL-----\n", fp) == EOF)
		return RC_FAIL;
	return RC_OK;
}

int
crl_write_file(const char *path, const struct crl *c, int der)
{
	char tmp[4200];
	FILE *fp = NULL;
	int fd = -1;

	if (file_is_special(path)) {
		/* Under /dev, a device or a FIFO: written in place, since renaming
		 * over it would destroy it; standard output itself after what was
		 * printed before, not over it. */
		int bad;
		if (file_is_stdout(path)) {
			bad = crl_emit(stdout, c, der) != RC_OK || fflush(stdout) == EOF;
		} else if ((fp = fopen(path, "wb")) == NULL) {
			bad = 1;
		} else {
			bad = crl_emit(fp, c, der) != RC_OK;
			bad |= fclose(fp) == EOF;
		}
		if (bad) {
			pinca_warn("cannot write %s", path);
			return RC_FAIL;
		}
		return RC_OK;
	}
	/* A CRL is public: readable by the web server whatever the umask. */
	if ((fd = file_temp_open(path, 0644, tmp, sizeof(tmp))) == -1) {
		pinca_warn("cannot create a temporary file for %s", path);
		return RC_FAIL;
	}
	if ((fp = fdopen(fd, "wb")) == NULL) {
		pinca_warn("cannot write %s", tmp);
		close(fd);
		goto fail;
	}
	if (crl_emit(fp, c, der) != RC_OK || fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		pinca_warn("cannot write %s", tmp);
		fclose(fp);
		goto fail;
	}
	if (fclose(fp) == EOF) {
		pinca_warn("cannot write %s", tmp);
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		pinca_warn("cannot rename %s to %s", tmp, path);
		goto fail;
	}
	return file_sync_parent(path);
fail:
	unlink(tmp);
	return RC_FAIL;
}
