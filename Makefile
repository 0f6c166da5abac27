# mod_bantin -- see README.md.
#
#   make            build build/mod_bantin.so, build/ngx_http_bantin_module.so
#                   and build/bantin-check
#   make run        httpd in the foreground on http://127.0.0.1:$(PORT)/portal/
#                   (SERVER=nginx: nginx, with build/ngx_http_bantin_module.so)
#   make test       every test layer (unit, integration, browser, HTML)
#   make install    install the module, checker, templates, schema and conf
#                   snippets (DESTDIR, PREFIX; never runs apt-get)
#   make deb        the Debian packages, with dpkg-buildpackage (see debian/)
#
# On a Debian machine the targets install the Debian packages they need
# (as root, with apt-get) and say so; BANTIN_NO_APT=1 makes them list what
# is missing and stop instead (tools/need-debs).

PORT        ?= 8080
CONTENT_DIR ?= $(CURDIR)/content
TEMPLATE_DIR ?= $(CURDIR)/templates
MPM         ?= event
SERVER      ?= httpd

APXS   ?= apxs
CC     ?= gcc
BUILD  ?= build

DEBS_BUILD := apache2 apache2-dev nginx-core nginx-dev libxml2-dev libxml2-utils libsqlite3-dev zlib1g-dev pkg-config gcc make
DEBS_TEST  := check python3-pytest python3-requests python3-feedparser chromium curl varnish
# libFuzzer and the sanitizer runtimes of clang (tests/fuzz).
DEBS_FUZZ  := clang libclang-rt-14-dev

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
# The flags come from tools that `deps` installs on a fresh machine: they
# are recursively expanded (=), read in recipes only, so they are asked
# for when a compile runs, after `deps` (an order-only prerequisite of
# every compile), never when the Makefile is read.
APR_CFLAGS = $(shell apr-1-config --cflags --cppflags --includes 2>/dev/null) \
             $(shell apu-1-config --includes 2>/dev/null)
XML_CFLAGS = $(shell xml2-config --cflags 2>/dev/null)
XML_LIBS   = $(shell xml2-config --libs 2>/dev/null) -lz -lsqlite3 -lm
APR_LIBS   = $(shell apr-1-config --link-ld --libs 2>/dev/null) \
             $(shell apu-1-config --link-ld 2>/dev/null)
OPT     ?= -O2 -g
CFLAGS_CORE = -std=gnu11 $(OPT) -fPIC $(WARN) $(APR_CFLAGS) $(XML_CFLAGS) $(EXTRA_CFLAGS)

CORE := bantin_log bantin_buf bantin_date bantin_fs bantin_safedir bantin_article bantin_shape bantin_startcache bantin_snapshot bantin_state bantin_stateclean bantin_store bantin_moves \
        bantin_template bantin_render bantin_request bantin_cache bantin_hot bantin_fold bantin_feed bantin_search bantin_search_fields bantin_snippet \
        bantin_messages bantin_explain bantin_refs
# categories' displayed names and the names file (content/chuyen-muc.xml)
CORE += bantin_names
# the one entry that answers a request (bantin_answer.h), and the settings
CORE += bantin_settings bantin_answer bantin_answer_pages bantin_answer_feeds \
        bantin_answer_files bantin_answer_status
# the threads of a serving process: watcher and search indexer; what
# the parent prepares for them
CORE += bantin_workers bantin_parent
# the inotify events an nginx worker's event loop reads for its watcher
CORE += bantin_eventq
# the directives of both servers (one table), and what both do with
# the portals of a configuration, from the config read to exit
CORE += bantin_directives bantin_lifecycle
# conditional requests as httpd decides them (for nginx)
CORE += bantin_conditions
CORE_OBJ := $(CORE:%=$(BUILD)/%.o) $(BUILD)/bantin_schema_rng.o \
            $(BUILD)/bantin_names_rng.o $(BUILD)/bantin_version.o
VERSION  := $(shell cat VERSION)
HEADERS  := $(wildcard mod_bantin/core/*.h mod_bantin/httpd/*.h)
# The httpd glue: the only files that include httpd headers.
GLUE     := mod_bantin mod_bantin_config mod_bantin_respond mod_bantin_startup
GLUE_SRC := $(GLUE:%=mod_bantin/httpd/%.c)

.PHONY: all deps test-deps unit-deps fuzz-deps wrk-deps run test unit integration browser install deb clean format \
        fuzz sanitize faults bench

all: deps $(BUILD)/mod_bantin.so $(BUILD)/ngx_http_bantin_module.so $(BUILD)/bantin-check

# Installs the Debian packages $(1) that are missing, and says so
# (tools/need-debs: nothing at all when everything is there).
need_debs = @tools/need-debs $(1)

# Installs what building needs, only when something is missing.
deps:
	$(call need_debs,$(DEBS_BUILD))

# What tests/fuzz needs besides the build packages.
fuzz-deps: deps
	$(call need_debs,$(DEBS_FUZZ))

# Node.js and Java may come from elsewhere than Debian: look for the
# commands, and ask for Debian's packages only when they are missing.
test-deps: deps
	$(call need_debs,$(DEBS_TEST) \
	  $$(command -v npm >/dev/null 2>&1 || echo nodejs npm) \
	  $$(command -v java >/dev/null 2>&1 || echo default-jre-headless))
	@if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then \
	  echo "make: installing npm packages of tests/browser (playwright-core, vnu-jar)"; \
	  cd tests/browser && npm ci --no-audit --no-fund && touch node_modules; fi

$(BUILD):
	mkdir -p $@

# The RELAX NG schema is compiled into the library as a byte array, so the
# module and the checker validate with exactly the shipped file.
$(BUILD)/bantin_schema_rng.c: schema/article.rng | $(BUILD)
	{ echo '/* generated from $< by the Makefile */'; \
	  echo 'const char bantin_schema_rng[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; \
	  echo "const unsigned int bantin_schema_rng_len = $$(wc -c < $<);"; } > $@

# The names file's schema (content/chuyen-muc.xml), the same way.
$(BUILD)/bantin_names_rng.c: schema/categories.rng | $(BUILD)
	{ echo '/* generated from $< by the Makefile */'; \
	  echo 'const char bantin_names_rng[] = {'; \
	  od -An -v -tx1 $< | sed -e 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0x00};'; \
	  echo "const unsigned int bantin_names_rng_len = $$(wc -c < $<);"; } > $@

$(BUILD)/bantin_names_rng.o: $(BUILD)/bantin_names_rng.c | deps
	$(CC) $(CFLAGS_CORE) -c -o $@ $<

$(BUILD)/%.o: mod_bantin/core/%.c $(HEADERS) | $(BUILD) deps
	$(CC) $(CFLAGS_CORE) -c -o $@ $<

$(BUILD)/bantin_schema_rng.o: $(BUILD)/bantin_schema_rng.c | deps
	$(CC) $(CFLAGS_CORE) -c -o $@ $<

# The version, from VERSION (which debian/changelog follows).
$(BUILD)/bantin_version.c: VERSION | $(BUILD)
	printf '/* generated from VERSION by the Makefile */\nconst char bantin_version[] = "%s";\n' "$(VERSION)" > $@

$(BUILD)/bantin_version.o: $(BUILD)/bantin_version.c | deps
	$(CC) $(CFLAGS_CORE) -c -o $@ $<

$(BUILD)/libbantin.a: $(CORE_OBJ)
	rm -f $@ && ar rcs $@ $^

# apxs compiles the glue and links it with the core library.
$(BUILD)/mod_bantin.so: $(GLUE_SRC) $(BUILD)/libbantin.a $(HEADERS) | deps
	$(APXS) -c -o $(BUILD)/mod_bantin.la \
	  -Wc,-std=gnu11 -Wc,"$(OPT)" $(foreach w,$(WARN),-Wc,$(w)) $(EXTRA_CFLAGS:%=-Wc,%) \
	  $(EXTRA_LDFLAGS:%=-Wl,%) -Imod_bantin/core -Imod_bantin/httpd $(GLUE_SRC) $(BUILD)/libbantin.a $(XML_LIBS)
	cp $(BUILD)/.libs/mod_bantin.so $@.tmp && mv -f $@.tmp $@  # never overwrite a loaded .so in place

# The nginx module, for Debian's packaged nginx: its configure, run inside
# nginx-dev's source tree with Debian's own flags (conf_flags, which hold
# --with-compat), writes only into $(BUILD)/nginx (and the tree's top
# Makefile, which nothing here uses); the module's config (mod_bantin/nginx)
# takes the core archive and its libraries from BANTIN_LIBS.
NGX_SRC  ?= /usr/share/nginx/src
NGX_GLUE := $(wildcard mod_bantin/nginx/*.c mod_bantin/nginx/*.h) mod_bantin/nginx/config
$(BUILD)/ngx_http_bantin_module.so: $(NGX_GLUE) $(BUILD)/libbantin.a $(HEADERS) | deps
	rm -rf $(BUILD)/nginx
	cd $(NGX_SRC) && BANTIN_LIBS="$(abspath $(BUILD)/libbantin.a) $(XML_LIBS) $(APR_LIBS) $(EXTRA_LDFLAGS)" \
	  BANTIN_INCS="$(sort $(filter-out /usr/include,$(patsubst -I%,%,$(filter -I%,$(APR_CFLAGS) $(XML_CFLAGS)))))" \
	  bash -c '. ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-cc-opt="$(OPT) $(EXTRA_CFLAGS)" --with-ld-opt="$(EXTRA_LDFLAGS)" \
	    --add-dynamic-module=$(CURDIR)/mod_bantin/nginx --builddir=$(abspath $(BUILD))/nginx' \
	  > $(abspath $(BUILD))/nginx-configure.log || { tail -20 $(abspath $(BUILD))/nginx-configure.log; exit 1; }
	$(MAKE) -f $(abspath $(BUILD))/nginx/Makefile -C $(NGX_SRC) modules
	cp $(BUILD)/nginx/ngx_http_bantin_module.so $@.tmp && mv -f $@.tmp $@  # never overwrite a loaded .so in place

$(BUILD)/bantin-check: mod_bantin/tools/bantin_check.c $(BUILD)/libbantin.a | deps
	$(CC) $(CFLAGS_CORE) -Imod_bantin/core -o $@ $< $(BUILD)/libbantin.a $(XML_LIBS) $(APR_LIBS) $(EXTRA_LDFLAGS)

run: all
	@case "$(SERVER)" in \
	  httpd) exec tests/run-httpd.sh "$(PORT)" "$(CONTENT_DIR)" "$(TEMPLATE_DIR)" "$(MPM)" ;; \
	  nginx) exec tests/run-nginx.sh "$(PORT)" "$(CONTENT_DIR)" "$(TEMPLATE_DIR)" ;; \
	  *) echo "make run: SERVER is httpd or nginx, not $(SERVER)" >&2; exit 2 ;; esac

# ---- install -------------------------------------------------------------
#
# The usual conventions: DESTDIR for staging (packages), PREFIX for the
# checker, its man page and the shared files; the module goes where this
# httpd keeps its modules (apxs -q LIBEXECDIR), or APACHE_MODDIR.  Nothing
# is enabled: see README.md, "Install".  Never runs apt-get: a missing
# build package is listed and make stops.
PREFIX        ?= /usr/local
BINDIR        ?= $(PREFIX)/bin
DATADIR       ?= $(PREFIX)/share/bantin
MANDIR        ?= $(PREFIX)/share/man
APACHE_MODDIR ?= $(shell $(APXS) -q LIBEXECDIR 2>/dev/null)
# where Debian's nginx looks for `load_module modules/...`
NGINX_MODDIR  ?= /usr/lib/nginx/modules
INSTALL       ?= install

install: export BANTIN_NO_APT = 1
install: all
	@test -n "$(APACHE_MODDIR)" || { echo "make install: apxs not found: set APACHE_MODDIR" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(APACHE_MODDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	  $(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/schema \
	  $(DESTDIR)$(DATADIR)/conf/apache2 $(DESTDIR)$(DATADIR)/conf/varnish \
	  $(DESTDIR)$(NGINX_MODDIR) $(DESTDIR)$(DATADIR)/conf/nginx
	$(INSTALL) -m 644 $(BUILD)/mod_bantin.so $(DESTDIR)$(APACHE_MODDIR)/mod_bantin.so
	$(INSTALL) -m 644 $(BUILD)/ngx_http_bantin_module.so $(DESTDIR)$(NGINX_MODDIR)/ngx_http_bantin_module.so
	$(INSTALL) -m 644 conf/nginx/bantin.conf $(DESTDIR)$(DATADIR)/conf/nginx/
	$(INSTALL) -m 755 $(BUILD)/bantin-check $(DESTDIR)$(BINDIR)/bantin-check
	$(INSTALL) -m 644 docs/bantin-check.1 $(DESTDIR)$(MANDIR)/man1/bantin-check.1
	$(INSTALL) -m 644 templates/* $(DESTDIR)$(DATADIR)/templates/
	$(INSTALL) -m 644 schema/*.rng $(DESTDIR)$(DATADIR)/schema/
	$(INSTALL) -m 644 conf/varnish/default.vcl $(DESTDIR)$(DATADIR)/conf/varnish/
	for f in bantin.load bantin.conf; do \
	  sed -e 's|@APACHE_MODDIR@|$(APACHE_MODDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	    conf/apache2/$$f.in > $(DESTDIR)$(DATADIR)/conf/apache2/$$f && \
	  chmod 644 $(DESTDIR)$(DATADIR)/conf/apache2/$$f; done
	cd content && find . -type d -exec $(INSTALL) -d $(DESTDIR)$(DATADIR)/content/{} \; \
	  && find . -type f -exec $(INSTALL) -m 644 {} $(DESTDIR)$(DATADIR)/content/{} \;

# The Debian packages, built with Debian's own tools into build/deb/.
DEBS_DEB := dpkg-dev debhelper fakeroot lintian
deb:
	$(call need_debs,$(DEBS_BUILD) $(DEBS_DEB) check)
	tools/build-debs $(BUILD)/deb

# ---- tests --------------------------------------------------------------

CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)
UNIT_SRC   := $(wildcard tests/unit/*.c)

# libcheck, which the unit tests link with (test-deps installs it too).
unit-deps: deps
	$(call need_debs,check)

$(BUILD)/unit-tests: $(UNIT_SRC) $(BUILD)/libbantin.a tests/unit/unit.h | unit-deps
	$(CC) $(CFLAGS_CORE) -Imod_bantin/core -o $@ $(UNIT_SRC) $(BUILD)/libbantin.a \
	  $(CHECK_LIBS) $(XML_LIBS) $(APR_LIBS) $(EXTRA_LDFLAGS) \
	  -Wl,--wrap=malloc,--wrap=calloc # unit_fail_allocs()

unit: test-deps $(BUILD)/unit-tests
	BANTIN_SRCDIR=$(CURDIR) $(BUILD)/unit-tests

integration: test-deps all
	/usr/bin/python3 -m pytest -q tests/integration

# Both servers in turn (tests/browser/server.mjs: BANTIN_SERVER).
browser: test-deps all
	cd tests/browser && BANTIN_SERVER=httpd npm test && BANTIN_SERVER=nginx npm test

test: unit integration browser

# ---- proof and speed (see SECURITY.md, BENCHMARKS.md) ---------------------

FUZZ_SECONDS ?= 60

# libFuzzer harnesses of the parsers, the templates and the renderer.
fuzz: fuzz-deps $(BUILD)/bantin_schema_rng.c $(BUILD)/bantin_names_rng.c \
      $(BUILD)/bantin_version.c
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

# ASan+UBSan builds of the unit tests and of the module under httpd, and
# valgrind of httpd -X.
sanitize: test-deps all
	tests/sanitize.sh all

# wrk, the load generator of faults and bench, when it is missing.
wrk-deps: test-deps
	$(call need_debs,wrk)

# wrk at 200 connections while files are rewritten, broken and restored,
# with a graceful restart in the middle (nginx: `nginx -s reload` with a
# changed setting, then a refused one); httpd, then nginx, unless
# FAULTS_SERVER names one of them.
FAULTS_SERVER ?= httpd nginx
faults: wrk-deps all
	set -e; for s in $(FAULTS_SERVER); do /usr/bin/python3 tests/faults.py --server $$s; done

# The benchmark suite; BENCH_ARGS="--quick" for a smoke run.
bench: wrk-deps all
	/usr/bin/python3 bench/run.py $(BENCH_ARGS)

format:
	clang-format -i mod_bantin/*/*.c mod_bantin/*/*.h tests/unit/*.c tests/unit/*.h

clean:
	rm -rf $(BUILD)
