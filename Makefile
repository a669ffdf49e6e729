# Makefile - the one build of pg: make, make test, make demo, make install, make deps
#
#   make            build ./pg (and build/ objects)
#   make test       install missing packages, build plain and ASan+UBSan, run every test
#   make demo       install, build, run pg's main job on the shipped corpus
#   make deps       install the Debian packages pg needs (idempotent; as root)
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      the benchmarks (bench/run: bench/scale.sh's table, then the
#                   per-area scripts; about 16 minutes on 2 cores; not part of make test)
#   make fuzz       build the fuzz targets with clang's libFuzzer into build-fuzz/
#                   and run each for FUZZ_TIME seconds (default 10; tests/fuzz/run)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# Completion scripts go where each shell looks without being told:
# bash-completion searches PREFIX/share for /usr/local, /usr and ~/.local;
# zsh's fpath has /usr/local/share/zsh/site-functions and Debian's
# /usr/share/zsh/vendor-completions; fish searches /etc/fish/completions
# and, for /usr and ~/.local, PREFIX/share/fish/vendor_completions.d (not
# /usr/local/share unless XDG_DATA_DIRS names it).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(if $(filter /usr,$(PREFIX)),/usr/share/zsh/vendor-completions,$(PREFIX)/share/zsh/site-functions)
FISHCOMPDIR ?= $(if $(filter /usr/local,$(PREFIX)),/etc/fish/completions,$(PREFIX)/share/fish/vendor_completions.d)
CC      ?= cc
PKGS    := libgit2 libsodium ncursesw libarchive yaml-0.1 sqlite3 jansson
CFLAGS  ?= -O2 -g
PG_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
TEST_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

# Debian packages: build, test and bench dependencies.  'make deps' installs
# the missing ones; everything else depends on it only through 'test', 'demo'
# and 'bench' (which needs hyperfine, bubblewrap, git with its daemon and
# python3 from this list; perf, when present, only adds a profile).
# openssh-server and -client: tests/integration/t_ssh.sh runs its own sshd
# (on a machine run by systemd, the package also enables the ssh service).
# strace: tests/integration/t_crash.sh kills pg at chosen system calls.
DEB_PKGS := build-essential pkg-config git libgit2-dev libsodium-dev \
            libncurses-dev libarchive-dev libyaml-dev libcmocka-dev \
            libsqlite3-dev libjansson-dev bubblewrap hyperfine python3 \
            openssh-server openssh-client zstd tmux \
            bash-completion zsh fish man-db strace

# B is the build directory; SAN=1 builds with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-san/.
ifeq ($(SAN),1)
B ?= build-san
PG_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(FUZZ),1)
# FUZZ=1 (what 'make fuzz' sets): clang with libFuzzer's coverage, ASan
# and UBSan into build-fuzz/, for the fuzz targets only
B ?= build-fuzz
CC := clang
PG_CFLAGS += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=fuzzer,address,undefined
else
B ?= build
endif

LIB_SRC  := $(sort $(wildcard lib/*.c))
CMD_SRC  := $(sort $(wildcard cmd/*.c tui/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(B)/templates.o
TEMPLATES := $(shell find templates -type f ! -name '.*' 2>/dev/null | LC_ALL=C sort)
CMD_OBJ  := $(CMD_SRC:%.c=$(B)/%.o)
TESTS    := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
TOOLS    := $(B)/tests/forge $(B)/tests/signobj
# Fuzz targets: linked with tests/fuzz/main.c, a driver that replays and
# mutates a corpus (t_fuzz.sh), or with libFuzzer under FUZZ=1.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/tests/%)
FUZZ_MAIN := $(if $(filter 1,$(FUZZ)),,tests/fuzz/main.c)

all: $(B)/pg $(TOOLS) $(FUZZERS)
ifeq ($(B),build)
all: pg
pg: $(B)/pg
	$(Q)ln -sf $(B)/pg pg
endif

# V=1 shows the full commands
Q := $(if $(V),,@)

$(B)/%.o: %.c $(wildcard lib/*.h cmd/*.h tui/*.h) Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(PG_CFLAGS) -c -o $@ $<

# templates/ is built into pg: `pg new` and `pg gen` need no installed files.
$(B)/templates.c: $(TEMPLATES) tools/embed.sh
	@mkdir -p $(dir $@)
	$(Q)sh tools/embed.sh templates > $@.tmp && mv $@.tmp $@

$(B)/templates.o: $(B)/templates.c
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(PG_CFLAGS) -c -o $@ $<

$(B)/libpg.a: $(LIB_OBJ)
	$(Q)$(AR) rcs $@ $^

$(B)/pg: $(CMD_OBJ) $(B)/libpg.a
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(SAN_LDFLAGS) -o $@ $(CMD_OBJ) $(B)/libpg.a $(PG_LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h $(B)/libpg.a $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(PG_CFLAGS) $(SAN_LDFLAGS) -o $@ $< $(B)/libpg.a $(PG_LIBS) $(TEST_LIBS)

# test tools: programs the integration tests drive (tests/tools/)
$(B)/tests/%: tests/tools/%.c $(B)/libpg.a $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(PG_CFLAGS) $(SAN_LDFLAGS) -o $@ $< $(B)/libpg.a $(PG_LIBS)

$(B)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.c tests/fuzz/main.c tests/fuzz/fuzz.h $(B)/libpg.a \
		$(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(CFLAGS) $(PG_CFLAGS) $(SAN_LDFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/fuzz.c $(FUZZ_MAIN) \
		$(B)/libpg.a $(PG_LIBS)

unit-tests: $(TESTS) $(TOOLS)

fuzzers: $(FUZZERS)

# clang and libFuzzer's runtime: only make fuzz needs them
FUZZ_TIME ?= 10
fuzz:
	$(MAKE) DEB_PKGS="clang libclang-rt-dev" deps
	$(MAKE) FUZZ=1 fuzzers
	FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run

deps:
	@missing=$$(for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -z "$$missing" ]; then echo "deps: all packages present"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "deps: missing packages; run as root:"; \
		echo "  apt-get update && apt-get install -y --no-install-recommends" $$missing; exit 1; \
	fi; \
	echo "deps: installing" $$missing; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y --no-install-recommends $$missing >/dev/null 2>&1 || \
	{ apt-get update -qq && apt-get install -y --no-install-recommends $$missing; }

# The test suite: unit tests and integration tests, once plain and once under
# ASan+UBSan.  tests/run prints the closing 'N passed, N failed' line.
test: deps
	$(MAKE) all unit-tests
	$(MAKE) SAN=1 all unit-tests
	tests/run build build-san

demo: deps all
	demo/run

bench: deps all
	bench/run

# installs $(B)/pg: the build that all made (SAN=1: build-san/pg)
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 0755 $(B)/pg $(DESTDIR)$(BINDIR)/pg
	install -m 0644 docs/man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 completion/pg.bash $(DESTDIR)$(BASHCOMPDIR)/pg
	install -m 0644 completion/_pg $(DESTDIR)$(ZSHCOMPDIR)/_pg
	install -m 0644 completion/pg.fish $(DESTDIR)$(FISHCOMPDIR)/pg.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/pg $(DESTDIR)$(BASHCOMPDIR)/pg $(DESTDIR)$(ZSHCOMPDIR)/_pg \
		$(DESTDIR)$(FISHCOMPDIR)/pg.fish
	for f in docs/man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$f); done

clean:
	rm -rf build build-san build-fuzz pg

.PHONY: all deps test demo bench install uninstall clean unit-tests fuzzers fuzz
