# virt-wire: one entry point. Output goes to $(BUILD) (default build/), never into the tree.
#
#   make            build the library, virtc and the fakes
#   make demo       install missing packages, build, run the main job
#   make check      install missing packages, build, unit + integration tests, then again under ASan+UBSan
#   make BUILD=build/tsan TSAN=1 unit   the unit tests under ThreadSanitizer (ci/tsan.supp)
#   make install    PREFIX=/usr/local DESTDIR= [LIBINSTDIR=$(PREFIX)/lib]
#   make man        the man pages, into $(BUILD)/man (make install installs them)
#   make fake-qemu-static  fake-qemu linked statically for the release containers, in $(BUILD)/static
#
# Sources are picked up by folder, so a new module is a new .c file in the right folder:
#   proto/*.x            XDR definitions, compiled by rpcgen into $(BUILD)/gen
#   proto/procedures.list  every libvirt procedure -> proto/gen_procs.py -> table in $(BUILD)/gen
#                          and -> proto/gen_client.py -> the client's typed functions (vw_client_procs)
#   proto/ common/ client/   -> libvirtwire (static and shared); client/virtc*.c -> virtc
#   fake-qemu/*.c        -> fake-qemu         fake-libvirtd/*.c -> fake-libvirtd
#   trace/*.c            -> vwtrace (show, diff, pcap export of trace files)
#   tests/unit/test_*.c  -> one test program each, linked with the library

BUILD    ?= build
PREFIX   ?= /usr/local
LIBINSTDIR ?= $(PREFIX)/lib
DESTDIR  ?=
SAN      ?=
TSAN     ?=
CC       ?= cc
PYTHON   ?= /usr/bin/python3
VERSION  := 0.1.0
SOVER    := 0

GEN      := $(BUILD)/gen
OBJ      := $(BUILD)/obj
BIN      := $(BUILD)/bin
LIBDIR   := $(BUILD)/lib
TESTBIN  := $(BUILD)/tests

TIRPC_CFLAGS := $(shell pkg-config --cflags libtirpc 2>/dev/null || echo -I/usr/include/tirpc)
TIRPC_LIBS   := $(shell pkg-config --libs libtirpc 2>/dev/null || echo -ltirpc)
JANSSON_LIBS := $(shell pkg-config --libs jansson 2>/dev/null || echo -ljansson)
GNUTLS_CFLAGS := $(shell pkg-config --cflags gnutls 2>/dev/null)
GNUTLS_LIBS  := $(shell pkg-config --libs gnutls 2>/dev/null || echo -lgnutls)
SASL_LIBS    := $(shell pkg-config --libs libsasl2 2>/dev/null || echo -lsasl2)

WARN     := -Wall -Wextra -Werror -Wno-error=deprecated-declarations
CFLAGS   ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS   += -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(TSAN),1)
CFLAGS   += -O1 -g -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=thread
endif
CPPFLAGS += -D_GNU_SOURCE -Iproto -Icommon -Iclient -I$(GEN) $(TIRPC_CFLAGS) $(GNUTLS_CFLAGS)
ALL_CFLAGS := -std=c11 -fPIC -pthread $(WARN) $(CFLAGS)
LIBS     := $(TIRPC_LIBS) $(JANSSON_LIBS) $(GNUTLS_LIBS) $(SASL_LIBS) -pthread -lm

# ---- sources -------------------------------------------------------------------------------
XDEFS     := $(wildcard proto/*.x)
XHDRS     := $(patsubst proto/%.x,$(GEN)/%.h,$(XDEFS)) $(GEN)/vw_procedures.h $(GEN)/vw_client_procs.h
XSRCS     := $(patsubst proto/%.x,$(GEN)/%_xdr.c,$(XDEFS)) $(GEN)/vw_procedures_table.c \
             $(GEN)/vw_client_procs.c
LIB_SRCS  := $(wildcard proto/*.c common/*.c) $(filter-out client/virtc%.c,$(wildcard client/*.c))
VIRTC_SRCS:= $(wildcard client/virtc*.c)
FQ_SRCS   := $(wildcard fake-qemu/*.c)
FL_SRCS   := $(wildcard fake-libvirtd/*.c)
TR_SRCS   := $(wildcard trace/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_HELP := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))

LIB_OBJS  := $(patsubst %.c,$(OBJ)/%.o,$(LIB_SRCS)) $(patsubst $(GEN)/%.c,$(OBJ)/gen/%.o,$(XSRCS))
STATICLIB := $(LIBDIR)/libvirtwire.a
SHAREDLIB := $(LIBDIR)/libvirtwire.so.$(VERSION)
# fake-qemu's recorded capability probes (fake-qemu/probe/*.trace), read at run time from
# BIN/../share/virt-wire/probe/ (docs/fake-qemu.md, "Under a real libvirtd")
PROBE_DATA := $(patsubst fake-qemu/probe/%,$(BUILD)/share/virt-wire/probe/%,$(wildcard fake-qemu/probe/*.trace))
# fake-qemu-X.Y: fake-qemu under the name that makes it model QEMU X.Y, one per recorded probe
# (fake-qemu/release_name.h; qemu-7.2.22-probe.trace gives fake-qemu-7.2)
FQ_RELEASES := $(patsubst fake-qemu/probe/qemu-%-probe.trace,%,$(wildcard fake-qemu/probe/qemu-*-probe.trace))
FQ_NAMES   := $(foreach v,$(FQ_RELEASES),fake-qemu-$(basename $(v)))
PROGRAMS  := $(BIN)/virtc $(if $(FQ_SRCS),$(BIN)/fake-qemu) $(if $(FL_SRCS),$(BIN)/fake-libvirtd) \
             $(if $(TR_SRCS),$(BIN)/vwtrace)
UNIT_BINS := $(patsubst tests/unit/%.c,$(TESTBIN)/%,$(UNIT_SRCS))
# Installed headers: the library's (proto/, client/ without virtc's own); the .pc file is written at
# install time so it names the PREFIX the files went to.
# Internal headers (shared by the files of one split module) are not installed.
PRIVATE_HDRS := proto/qmp_json_priv.h client/libvirt_client_priv.h client/lv_proc_common.h
PUBLIC_HDRS := $(filter-out $(PRIVATE_HDRS),$(wildcard proto/*.h) $(filter-out client/virtc%.h,$(wildcard client/*.h)))

.PHONY: FORCE all demo check unit integration asan-check deps clean install uninstall fuzz fuzz-smoke \
        fake-qemu-static fake-qemu-tree \
        fuzz-campaign fuzz-corpus fuzz-oss-check bench bench-bins conformance conformance-record conformance-replay peer-suites help man
.SECONDARY:

all: $(STATICLIB) $(SHAREDLIB) $(PROGRAMS) $(PROBE_DATA) $(if $(FQ_SRCS),$(addprefix $(BIN)/,$(FQ_NAMES)))

$(BUILD)/share/virt-wire/probe/%.trace: fake-qemu/probe/%.trace
	install -D -m 644 $< $@
$(BIN)/fake-qemu-%: | $(BIN)/fake-qemu
	ln -sf fake-qemu $@

# fake-qemu for the release containers (docs/conformance.md, "fake-qemu in the release
# containers"): linked statically, so that one binary runs on bullseye's glibc 2.31 as on sid's,
# and never sanitized (ASan does not link statically). Its own tree, as installed:
# $(BUILD)/static/bin/fake-qemu and its fake-qemu-X.Y names, $(BUILD)/static/share/virt-wire/probe/.
fake-qemu-static:
	$(MAKE) BUILD=$(BUILD)/static SAN= TSAN= CFLAGS='-O2 -g' LDFLAGS=-static fake-qemu-tree
fake-qemu-tree: $(BIN)/fake-qemu $(addprefix $(BIN)/,$(FQ_NAMES)) $(PROBE_DATA)

help:
	@sed -n '1,17p' Makefile | sed 's/^# \{0,1\}//'

# ---- generated XDR code ----------------------------------------------------------------------
# rpcgen names the header it includes after its input, so it runs inside $(GEN) on a copy.
$(GEN)/%.x: proto/%.x
	@mkdir -p $(GEN)
	cp $< $@
$(GEN)/%.h: $(GEN)/%.x
	cd $(GEN) && rm -f $*.h && rpcgen -h -o $*.h $*.x
$(GEN)/%_xdr.c: $(GEN)/%.x $(GEN)/%.h
	cd $(GEN) && rm -f $*_xdr.c && rpcgen -c -o $*_xdr.c $*.x

# The procedure table: numbers, names, API names and flags from proto/procedures.list, codecs
# from the .x files (proto/gen_procs.py). Both outputs come from one run.
$(GEN)/vw_procedures.h: proto/procedures.list proto/gen_procs.py $(XDEFS)
	@mkdir -p $(GEN)
	$(PYTHON) proto/gen_procs.py proto/procedures.list $@ $(GEN)/vw_procedures_table.c $(XDEFS)
$(GEN)/vw_procedures_table.c: $(GEN)/vw_procedures.h

# The client's typed functions, one per CALL row, from the same list and .x files (and parser).
$(GEN)/vw_client_procs.h: proto/procedures.list proto/gen_client.py proto/gen_procs.py $(XDEFS)
	@mkdir -p $(GEN)
	$(PYTHON) proto/gen_client.py proto/procedures.list $@ $(GEN)/vw_client_procs.c $(XDEFS)
$(GEN)/vw_client_procs.c: $(GEN)/vw_client_procs.h

# rpcgen's output declares unused locals; it is not ours to fix, so only it gets these flags.
$(OBJ)/gen/%.o: $(GEN)/%.c $(XHDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-unused-variable -Wno-unused-parameter -MMD -MP -c $< -o $@
# ... but our own generator's output gets the full warnings, as hand-written code does.
$(OBJ)/gen/vw_client_procs.o: $(GEN)/vw_client_procs.c $(XHDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# ---- the version ---------------------------------------------------------------------------------
# VERSION above is the only place it is written: $(GEN)/vw_version.h carries it to the programs'
# --version (and the tool names in trace headers). The rule always runs but rewrites the file only
# when VERSION changed, so only the files that include it are rebuilt (through their -MMD deps).
VERSION_HDR := $(GEN)/vw_version.h
$(VERSION_HDR): FORCE
	@mkdir -p $(dir $@)
	@printf '/* generated by the Makefile from its VERSION */\n#define VW_VERSION "%s"\n' \
	    '$(VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
FORCE:

# ---- our objects -------------------------------------------------------------------------------
$(OBJ)/%.o: %.c $(XHDRS) | $(VERSION_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# fake-qemu builds its recorded QAPI schemas into the binary (.incbin), which -MMD cannot see.
$(OBJ)/fake-qemu/schema_data.o: $(wildcard fake-qemu/schemas/*.json)

$(STATICLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SHAREDLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libvirtwire.so.$(SOVER) $(LDFLAGS) -o $@ $^ $(LIBS)
	ln -sf libvirtwire.so.$(VERSION) $(LIBDIR)/libvirtwire.so.$(SOVER)
	ln -sf libvirtwire.so.$(VERSION) $(LIBDIR)/libvirtwire.so

$(BIN)/virtc: $(patsubst %.c,$(OBJ)/%.o,$(VIRTC_SRCS)) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/fake-qemu: $(patsubst %.c,$(OBJ)/%.o,$(FQ_SRCS)) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/fake-libvirtd: $(patsubst %.c,$(OBJ)/%.o,$(FL_SRCS)) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BIN)/vwtrace: $(patsubst %.c,$(OBJ)/%.o,$(TR_SRCS)) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# Unit tests link the fakes' internals from per-fake archives (everything but main.c), so a test
# calls a module's functions as the fake does instead of including its .c files.
FL_INTERNAL := $(LIBDIR)/libfake-libvirtd-internal.a
FQ_INTERNAL := $(LIBDIR)/libfake-qemu-internal.a
$(FL_INTERNAL): $(patsubst %.c,$(OBJ)/%.o,$(filter-out %/main.c,$(FL_SRCS)))
$(FQ_INTERNAL): $(patsubst %.c,$(OBJ)/%.o,$(filter-out %/main.c,$(FQ_SRCS)))
$(FL_INTERNAL) $(FQ_INTERNAL):
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(TESTBIN)/%: $(OBJ)/tests/unit/%.o $(patsubst %.c,$(OBJ)/%.o,$(UNIT_HELP)) $(FL_INTERNAL) \
              $(FQ_INTERNAL) $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# ---- man pages -----------------------------------------------------------------------------------
# Generated, never written by hand (man/mkman.py): section 1 from each program's own --help and
# --version, section 5 from the format documents in docs/ (trace-format.md -> virt-wire-trace.5).
MANDIR_B := $(BUILD)/man
MAN1     := $(patsubst $(BIN)/%,$(MANDIR_B)/%.1,$(PROGRAMS))
MAN5     := $(patsubst docs/%-format.md,$(MANDIR_B)/virt-wire-%.5,\
                docs/trace-format.md docs/scenario-format.md docs/state-format.md)

man: $(MAN1) $(MAN5)

$(MANDIR_B)/%.1: $(BIN)/% man/mkman.py
	@mkdir -p $(dir $@)
	$(PYTHON) man/mkman.py help $< $@

$(MANDIR_B)/virt-wire-%.5: docs/%-format.md man/mkman.py $(VERSION_HDR)
	@mkdir -p $(dir $@)
	$(PYTHON) man/mkman.py md $< $@ $(VERSION)

# ---- tests ---------------------------------------------------------------------------------------
deps:
	@bash ci/install-deps

# Under TSAN=1 the known races of libraries we use are suppressed (ci/tsan.supp says which, why).
TSAN_ENV := $(if $(filter 1,$(TSAN)),TSAN_OPTIONS="suppressions=$(abspath ci/tsan.supp) $$TSAN_OPTIONS")
unit: $(UNIT_BINS)
	@$(TSAN_ENV) bash ci/run-unit $(UNIT_BINS)

# One pytest run per suite: each folder has its own conftest.py, and tests import helpers from it.
PYTEST_DIRS := $(wildcard tests/integration conformance/qmp)
integration: all bench-bins fake-qemu-static
	@status=0; for d in $(PYTEST_DIRS); do \
	  echo "== pytest $$d"; \
	  VW_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest -q -p no:cacheprovider $$d $(PYTEST_ARGS) || status=1; \
	done; exit $$status

# check = deps, plain build + all tests, then the same again under ASan+UBSan.
check: deps
	$(MAKE) all unit integration
	$(MAKE) BUILD=build/asan SAN=1 all unit integration
	@echo "make check: all stages passed"

demo: deps all
	@VW_BUILD=$(abspath $(BUILD)) bash ci/demo

# ---- install -------------------------------------------------------------------------------------
# LIBINSTDIR: where the libraries and virtwire.pc go (Debian: /usr/lib/<multiarch triplet>).
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBINSTDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/virtwire
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/virt-wire/probe
	install -m 644 $(PROBE_DATA) $(DESTDIR)$(PREFIX)/share/virt-wire/probe/
	install -m 644 $(STATICLIB) $(DESTDIR)$(LIBINSTDIR)/
	install -m 755 $(SHAREDLIB) $(DESTDIR)$(LIBINSTDIR)/
	ln -sf libvirtwire.so.$(VERSION) $(DESTDIR)$(LIBINSTDIR)/libvirtwire.so.$(SOVER)
	ln -sf libvirtwire.so.$(VERSION) $(DESTDIR)$(LIBINSTDIR)/libvirtwire.so
	install -m 644 $(PUBLIC_HDRS) $(XHDRS) $(DESTDIR)$(PREFIX)/include/virtwire/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBINSTDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    client/virtwire.pc.in > $(DESTDIR)$(LIBINSTDIR)/pkgconfig/virtwire.pc
	install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	for n in $(if $(FQ_SRCS),$(FQ_NAMES)); do ln -sf fake-qemu $(DESTDIR)$(PREFIX)/bin/$$n; \
	  ln -sf fake-qemu.1 $(DESTDIR)$(PREFIX)/share/man/man1/$$n.1; done
	install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/include/virtwire $(DESTDIR)$(LIBINSTDIR)/pkgconfig/virtwire.pc
	rm -f $(DESTDIR)$(LIBINSTDIR)/libvirtwire.* $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(notdir $(PROGRAMS)) $(FQ_NAMES))
	rm -rf $(DESTDIR)$(PREFIX)/share/virt-wire/probe
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/share/man/man1/,$(notdir $(MAN1))) \
	      $(addprefix $(DESTDIR)$(PREFIX)/share/man/man5/,$(notdir $(MAN5))) \
	      $(patsubst %,$(DESTDIR)$(PREFIX)/share/man/man1/%.1,$(FQ_NAMES))

# ---- later stages (fuzz/, bench/, conformance/ grow these) ---------------------------------------
fuzz fuzz-smoke fuzz-campaign fuzz-corpus fuzz-oss-check: deps
	$(MAKE) -f fuzz/Makefile $@
BENCH_BINS := $(BIN)/rpc_bench $(BIN)/replay_bench $(BIN)/qmp_bench $(BIN)/libvirt_bench
bench: all $(BENCH_BINS)
	VW_BUILD=$(BUILD) bash bench/run
bench-bins: $(BENCH_BINS)

$(BIN)/rpc_bench: $(OBJ)/bench/rpc_bench.o $(OBJ)/bench/bench_clients.o $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BIN)/qmp_bench: $(OBJ)/bench/qmp_bench.o $(OBJ)/bench/bench_clients.o $(STATICLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)
# libvirt.so's own client, the reference (libvirt-dev: headers and the libvirt.so link)
$(BIN)/libvirt_bench: $(OBJ)/bench/libvirt_bench.o $(OBJ)/bench/bench_clients.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $$(pkg-config --libs libvirt)
$(BIN)/replay_bench: $(OBJ)/bench/replay_bench.o $(OBJ)/bench/bench_clients.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^
conformance: deps
	$(MAKE) -f conformance/Makefile BUILD=$(BUILD) conformance
conformance-record conformance-replay: deps
	$(MAKE) -f conformance/Makefile BUILD=$(BUILD) $@
peer-suites: deps
	$(MAKE) -f conformance/Makefile BUILD=$(BUILD) PEER_SRC=$(PEER_SRC) $@

clean:
	rm -rf $(BUILD) build/asan
