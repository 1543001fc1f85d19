# pinca: one binary, one Makefile. Targets: all test bench fuzz lint install demo clean.
# `make test` installs what it needs (tools/deps.sh), builds, then runs every stage.
# `make SAN=1` builds with ASan+UBSan into build/san/pinca; `make
# OPENSSL_READERS=1` builds build/openssl-readers/pinca, whose direct DER
# readers (ca/der_direct.h) decline everything, so OpenSSL reads every input.

SHELL    := /bin/bash
PKGS     := libcrypto libssl sqlite3 jansson libplist-2.0 libzip libxml-2.0 libmicrohttpd jose libcurl libpq
CC       ?= cc
PREFIX   ?= /usr/local
WARN     := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS  += -pie -Wl,-z,relro,-z,now
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lssl -lcrypto -lsqlite3 -ljansson -lplist-2.0 -lzip -lxml2 -lmicrohttpd -ljose -lcurl -lpq) -lresolv -pthread
# PostgreSQL (libpq): the store's second driver (db/sql_pg.c); without the
# define, db/sql_open.c refuses postgresql:// targets.
CFLAGS   += -DPINCA_HAVE_PG
# PKCS#11: only p11-kit's pkcs11.h; the token's module is dlopen'd (-ldl).
CFLAGS   += $(shell pkg-config --cflags p11-kit-1 2>/dev/null)
LDLIBS   += -ldl

ifeq ($(FUZZ),1)
# libFuzzer build (clang): domain objects instrumented for coverage, ASan+UBSan.
CC       := clang
CFLAGS   += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=all -U_FORTIFY_SOURCE -Wno-format-nonliteral -DPINCA_SAN_CHECKS
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build/fuzz
BIN      := build/fuzz/pinca
else ifeq ($(SAN),1)
# PINCA_SAN_CHECKS: the leaf encoder reads every certificate back (ca/der_direct_leaf.c).
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all -U_FORTIFY_SOURCE \
            -DPINCA_SAN_CHECKS
LDFLAGS  += -fsanitize=address,undefined
BUILD    := build/san
BIN      := build/san/pinca
else ifeq ($(OPENSSL_READERS),1)
CFLAGS   += -DPINCA_OPENSSL_READERS
BUILD    := build/openssl-readers
BIN      := build/openssl-readers/pinca
else
BUILD    := build/rel
BIN      := pinca
endif

DOMAIN_SRC := $(wildcard common/*.c ca/*.c issue/*.c revoke/*.c db/*.c acme/*.c)
SRC      := main.c $(DOMAIN_SRC)
OBJ      := $(SRC:%.c=$(BUILD)/%.o)
LIB_OBJ  := $(DOMAIN_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)

.PHONY: all test unit e2e bench fuzz fuzz-build lint install demo clean deps

all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c $(wildcard */*.h) $(wildcard *.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

unit: $(UNIT_BIN)

# The libFuzzer targets (tests/fuzz/fuzz_*.c), always built with FUZZ=1.
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

fuzz-build:
	@$(MAKE) -s FUZZ=1 $(FUZZ_BIN)

# Bench-only seeder for `make bench`, linked against the domain objects like the unit tests.
$(BUILD)/tools/bench-seed: tools/bench/seed.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS)

# Bench-only probe of one output file's cost on the bench filesystem (no pinca code).
$(BUILD)/tools/bench-filecost: tools/bench/filecost.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

deps:
	@tools/deps.sh

# The whole suite: unit tests, end-to-end scripts, then the sanitizer pass
# (and tests/stages/openssl_readers.sh with the OPENSSL_READERS=1 build).
test: deps
	@$(MAKE) -s all unit
	@$(MAKE) -s SAN=1 all unit
	@$(MAKE) -s OPENSSL_READERS=1 all
	@$(MAKE) -s fuzz-build
	@tools/run-tests.sh

bench: deps
	@$(MAKE) -s all
	@tools/bench.sh

# Each fuzz target for FUZZ_SECONDS (default 60), growing build/fuzz/corpus.
fuzz: deps fuzz-build
	@tools/fuzz.sh

# Static analysis, clean on the tree: the include layers (tools/layers.sh),
# thin commands (tools/cmdlen.sh: no command function over 60 lines),
# cppcheck, then clang-tidy with the checked-in .clang-tidy (bugprone-*,
# cert-*, clang-analyzer-*; warnings are errors).
LINT_DIRS := $(wildcard common ca issue revoke db acme tests/unit tests/fuzz)
lint:
	tools/layers.sh
	tools/noprint.sh
	tools/cmdlen.sh
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	  --suppress=missingIncludeSystem -D__GNUC__ -I. main.c $(LINT_DIRS)
	clang-tidy --quiet $(SRC) -- $(CFLAGS) 2>&1 | grep -v ' warnings\? generated\.$$'; \
	  test $${PIPESTATUS[0]} -eq 0

demo: deps
	@$(MAKE) -s all
	@tools/demo.sh

install: pinca
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 pinca $(DESTDIR)$(PREFIX)/bin/pinca
	install -m 0644 docs/pinca.1 $(DESTDIR)$(PREFIX)/share/man/man1/pinca.1

clean:
	rm -rf build pinca
