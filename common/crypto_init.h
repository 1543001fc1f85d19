/* crypto_init: process-wide OpenSSL settings, made once at start-up. */
#ifndef PINCA_CRYPTO_INIT_H
#define PINCA_CRYPTO_INIT_H

/* Chooses pinca's random generator (see crypto_init.c). Call before any
 * other OpenSSL function; later it has no effect. */
void crypto_init(void);

#endif
