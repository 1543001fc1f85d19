/* pkcs11_session: the PKCS#11 module and a logged-in session on the one
 * token a URI names by its label. The module is loaded with dlopen and
 * called through the function list it exports (as OpenSSH does), so no
 * OpenSSL engine or provider stands between pinca and the token. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ca/pkcs11.h"
#include "common/err.h"

const char *
p11_rv_name(CK_RV rv)
{
	static const struct {
		CK_RV rv;
		const char *name;
	} names[] = {
		{ CKR_OK, "CKR_OK" },
		{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR" },
		{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED" },
		{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD" },
		{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID" },
		{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID" },
		{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR" },
		{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY" },
		{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED" },
		{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID" },
		{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT" },
		{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID" },
		{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT" },
		{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED" },
		{ CKR_PIN_INVALID, "CKR_PIN_INVALID" },
		{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE" },
		{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED" },
		{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID" },
		{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT" },
		{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE" },
		{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT" },
		{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED" },
		{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN" },
		{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED" },
		{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].rv == rv)
			return names[i].name;
	return "an unknown PKCS#11 error";
}

/* Loads the module and initialises it in this process. A module already
 * initialised here (another key of the same command) is used as it is. */
static int
module_load(const char *path, struct p11_session *s)
{
	CK_C_GetFunctionList get_list = NULL;
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;
	void *sym;

	snprintf(s->module, sizeof(s->module), "%s", path);
	if ((s->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		pinca_warnx("cannot load the PKCS#11 module %s: %s", path, dlerror());
		return RC_FAIL;
	}
	s->pid = getpid();
	if ((sym = dlsym(s->dl, "C_GetFunctionList")) == NULL) {
		pinca_warnx("%s is not a PKCS#11 module (no C_GetFunctionList)", path);
		return RC_FAIL;
	}
	memcpy(&get_list, &sym, sizeof(get_list));
	if ((rv = get_list(&s->f)) != CKR_OK || s->f == NULL) {
		pinca_warnx("%s: C_GetFunctionList: %s", path, p11_rv_name(rv));
		return RC_FAIL;
	}
	/* PKCS#11 state does not cross fork(): the process that uses the module
	 * initialises it (a forked child gets its own C_Initialize here). */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	rv = s->f->C_Initialize(&args);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		pinca_warnx("%s: C_Initialize: %s", path, p11_rv_name(rv));
		return RC_FAIL;
	}
	s->owns_init = rv == CKR_OK;
	return RC_OK;
}

/* Copies a blank-padded CK_TOKEN_INFO field, without the padding. */
static void
field_text(char *dst, const unsigned char *src, size_t n)
{
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Whether the token in info is the one u names. */
static int
token_matches(const struct p11_uri *u, const CK_TOKEN_INFO *info)
{
	char label[P11_TOKEN_LABEL_MAX + 1], man[P11_MANUFACTURER_MAX + 1];
	char model[P11_MODEL_MAX + 1], serial[P11_SERIAL_MAX + 1];

	field_text(label, info->label, sizeof(info->label));
	field_text(man, info->manufacturerID, sizeof(info->manufacturerID));
	field_text(model, info->model, sizeof(info->model));
	field_text(serial, info->serialNumber, sizeof(info->serialNumber));
	return strcmp(label, u->token) == 0 &&
	    (!(u->has & P11_HAS_MANUFACTURER) || strcmp(man, u->manufacturer) == 0) &&
	    (!(u->has & P11_HAS_MODEL) || strcmp(model, u->model) == 0) &&
	    (!(u->has & P11_HAS_SERIAL) || strcmp(serial, u->serial) == 0);
}

/* Finds the one token with the URI's label among the slots that hold one. */
static int
token_find(const struct p11_uri *u, struct p11_session *s, CK_TOKEN_INFO *found)
{
	CK_SLOT_ID *slots = NULL;
	CK_TOKEN_INFO info;
	CK_ULONG n = 0;
	CK_RV rv;
	int matches = 0, rc = RC_FAIL;

	if ((rv = s->f->C_GetSlotList(CK_TRUE, NULL, &n)) != CKR_OK ||
	    (slots = calloc(n ? n : 1, sizeof(*slots))) == NULL ||
	    (rv = s->f->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK) {
		pinca_warnx("%s: cannot list the slots: %s", s->module, p11_rv_name(rv));
		goto out;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		if (s->f->C_GetTokenInfo(slots[i], &info) != CKR_OK || !token_matches(u, &info))
			continue;
		if (matches++ == 0) {
			s->slot = slots[i];
			*found = info;
		}
	}
	if (matches == 0)
		pinca_warnx("no token labelled '%s' in %s", u->token, s->module);
	else if (matches > 1)
		pinca_warnx("%d tokens are labelled '%s' in %s: add serial=... to the URI", matches,
		    u->token, s->module);
	else
		rc = RC_OK;
out:
	free(slots);
	return rc;
}

/* Logs the session in as the user, unless this application already is. The
 * PIN is read only now (after the token was found) and wiped at once. */
static int
session_login(struct p11_session *s, const struct pass_source *src, const CK_TOKEN_INFO *info)
{
	CK_SESSION_INFO si;
	struct secret *pin = NULL;
	char what[64];
	CK_RV rv;
	int rc;

	if (s->f->C_GetSessionInfo(s->h, &si) == CKR_OK &&
	    (si.state == CKS_RO_USER_FUNCTIONS || si.state == CKS_RW_USER_FUNCTIONS))
		return RC_OK;
	if (info->flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
		/* a PIN pad or a touch on the device itself */
		rv = s->f->C_Login(s->h, CKU_USER, NULL, 0);
	} else {
		snprintf(what, sizeof(what), "token '%s'", s->token);
		if ((rc = secret_read_pin(src, what, &pin)) != RC_OK)
			return rc;
		rv = s->f->C_Login(s->h, CKU_USER, (CK_UTF8CHAR *)pin->data, (CK_ULONG)pin->len);
		secret_free(pin);
	}
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return RC_OK;
	if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE)
		pinca_warnx("wrong PIN for token '%s'", s->token);
	else if (rv == CKR_PIN_LOCKED)
		pinca_warnx("the PIN of token '%s' is locked (too many wrong PINs)", s->token);
	else
		pinca_warnx("cannot log in to token '%s': %s", s->token, p11_rv_name(rv));
	return RC_FAIL;
}

int
p11_session_open(const struct p11_uri *u, const struct pass_source *src, int rw,
    struct p11_session *s)
{
	const char *module = src->module;
	CK_TOKEN_INFO info;
	CK_RV rv;
	int rc;

	memset(s, 0, sizeof(*s));
	memset(&info, 0, sizeof(info));
	if (module == NULL)
		module = getenv("PINCA_PKCS11_MODULE");
	if ((module == NULL || *module == '\0') && (u->has & P11_HAS_MODULE_PATH))
		module = u->module_path;
	if (module == NULL || *module == '\0') {
		pinca_warnx("no PKCS#11 module: give --module PATH or set PINCA_PKCS11_MODULE");
		return RC_USAGE;
	}
	if (!(u->has & P11_HAS_TOKEN)) {
		pinca_warnx("the pkcs11 URI names no token: add token=LABEL");
		return RC_USAGE;
	}
	snprintf(s->token, sizeof(s->token), "%s", u->token);
	if (module_load(module, s) != RC_OK || token_find(u, s, &info) != RC_OK)
		goto fail;
	rv = s->f->C_OpenSession(s->slot, CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0), NULL,
	    NULL, &s->h);
	if (rv != CKR_OK) {
		pinca_warnx("cannot open a session on token '%s': %s", s->token, p11_rv_name(rv));
		goto fail;
	}
	s->open = 1;
	if ((rc = session_login(s, src, &info)) != RC_OK) {
		p11_session_close(s);
		return rc;
	}
	return RC_OK;
fail:
	p11_session_close(s);
	return RC_FAIL;
}

int
p11_session_usable(const struct p11_session *s)
{
	if (s->f != NULL && s->pid == getpid())
		return 1;
	pinca_warnx("the session on token '%s' was opened by another process: open the key "
	    "again in this one", s->token);
	return 0;
}

void
p11_session_close(struct p11_session *s)
{
	/* In a forked child the module's state is the parent's: touch nothing. */
	if (s->dl != NULL && s->pid == getpid()) {
		if (s->open)
			s->f->C_CloseSession(s->h);
		/* The module stays initialised while the process lives: another key
		 * of this process may share it (closing the last session logs out).
		 * The reference that initialised it keeps it loaded. */
		if (!s->owns_init)
			dlclose(s->dl);
	}
	memset(s, 0, sizeof(*s));
}
