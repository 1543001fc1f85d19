/* fastkey: converts a CSR's P-256 public key to a legacy EC_KEY-backed
 * EVP_PKEY so that X509_set_pubkey and i2d_PUBKEY take OpenSSL 3.0's direct
 * encoder instead of building an OSSL_ENCODER and OSSL_DECODER context for
 * every certificate (see docs/performance.md). The EC_KEY API is deprecated in
 * 3.0 but present in every 3.x; this file alone uses it. */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "issue/fastkey.h"

int
fastkey_p256(EVP_PKEY **pkey)
{
	EC_KEY *ec;
	EVP_PKEY *legacy;

	if (EVP_PKEY_get_base_id(*pkey) != EVP_PKEY_EC || !EVP_PKEY_is_a(*pkey, "EC"))
		return 0;
	if ((ec = EVP_PKEY_get1_EC_KEY(*pkey)) == NULL)
		return 0;
	if (EC_GROUP_get_curve_name(EC_KEY_get0_group(ec)) != NID_X9_62_prime256v1 ||
	    (legacy = EVP_PKEY_new()) == NULL) {
		EC_KEY_free(ec);
		return 0;
	}
	EC_KEY_set_conv_form(ec, POINT_CONVERSION_UNCOMPRESSED);
	EC_KEY_set_asn1_flag(ec, OPENSSL_EC_NAMED_CURVE);
	if (!EVP_PKEY_assign_EC_KEY(legacy, ec)) {
		EC_KEY_free(ec);
		EVP_PKEY_free(legacy);
		return 0;
	}
	EVP_PKEY_free(*pkey);
	*pkey = legacy;
	return 1;
}
