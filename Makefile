# superlists-ops: every command the README names. Each target does its own
# set-up (Debian packages, Docker engine, base image, virtualenv) and skips
# what is already there, so a fresh clone on a fresh machine needs only
# `make release` or `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
# The servers' images (scripts/build-base-image), one per Debian release the roles
# support, named here only (<BASE_IMAGE>:<release>): the testbed and molecule read
# the name from the environment.
export BASE_IMAGE := superlists-ops/debian-systemd
DEBIAN_RELEASES := bookworm trixie
DEBIAN_PACKAGES := docker.io debootstrap chromium chromium-driver libnss3-tools git openssh-client hey sqlite3
# The testbed's profile: the two servers of inventories/testbed, or with
# TESTBED=scale those of inventories/testbed-scale.
TESTBED ?= two-server
TESTBED_INVENTORY := inventories/$(if $(filter scale,$(TESTBED)),testbed-scale,testbed)/hosts.yml
# Local runs and tests of the app use its development settings; Django's test
# runner turns DEBUG off while the tests run anyway.
APP := cd superlists && DJANGO_DEBUG=1 $(BIN)/python manage.py

.PHONY: help test check lint sanity unit ft molecule e2e release testbed testbed-scale testbed-destroy bench collection \
        docs role-docs \
        debian-packages docker base-image venv

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# molecule and the end-to-end tests use different containers: they run side
# by side (each one's output printed whole when it ends), after the checks and
# the functional tests. Three streams from the start (the checks beside them)
# were slower on a 2-core machine: every stream waited on the others' CPU. The
# slow parts run under `time`, so that each run's log says what each took.
test: check ft  ## everything CI runs: lint, unit, docs, functional, molecule, end-to-end
	$(MAKE) --jobs=2 --output-sync=target molecule e2e

# What needs neither a browser, a container nor a server: run before a commit. The
# three side by side (each one's output printed whole when it ends): lint is two
# long single-process tools, ansible-lint and ansible-test, beside which the unit
# tests' workers and the docs build take the CPU those leave.
check: venv  ## lint, unit and the docs site (warnings as errors)
	$(MAKE) --jobs=3 --output-sync=target lint unit docs

lint: venv  ## yamllint, ansible-lint (production profile), ruff, ansible-test sanity
	yamllint --strict .
	ansible-lint
	ruff check .
	ruff format --check .
	$(MAKE) sanity

# ansible-test runs only from ansible_collections/<namespace>/<name>. The link
# collections/ansible_collections/superlists_ops/django is that path, but a working
# directory is known by its resolved path (the repository's), which ansible-test
# refuses: the link is named as ANSIBLE_TEST_CONTENT_ROOT instead. --venv would re-run
# ansible-test in an environment of its own under the resolved path, refused too:
# --local runs it here, and it gives each test that needs packages a virtualenv of its
# own from PyPI (ansible-test's pins), kept in .cache/ansible-test, its HOME. It puts
# pip in those with pypa's get-pip.py, from ci-files.testing.ansible.com, unreachable
# here: scripts/get-pip-standin.py does the same from Python's own pip wheel, put where
# ansible-test looks for its copy (named for the pip that ansible-test 2.19 asks for).
SANITY_HOME := $(abspath .cache/ansible-test)
COLLECTION_ROOT := $(abspath collections/ansible_collections/superlists_ops/django)

sanity: venv  ## ansible-test sanity of the collection (tests/sanity/ignore-2.19.txt: what it leaves, and why)
	mkdir -p $(SANITY_HOME)/.ansible/test/cache
	cp scripts/get-pip-standin.py $(SANITY_HOME)/.ansible/test/cache/get_pip_24_2.py
	cd $(COLLECTION_ROOT) && HOME=$(SANITY_HOME) ANSIBLE_TEST_CONTENT_ROOT=$(COLLECTION_ROOT) \
		ansible-test sanity --local --python 3.11

unit: venv  ## the app's unit tests, the roles' modules' tests, the docs checks
	$(APP) makemigrations --check --dry-run
	$(APP) test lists superlists
	time pytest --numprocesses=auto --durations=15 tests/unit

ft: venv debian-packages  ## the app's functional tests, in headless Chromium, on a local server
	$(APP) test functional_tests

molecule: venv base-image  ## the roles on a fresh systemd container, with testinfra
	time molecule test --all

e2e: venv testbed testbed-scale  ## releases on both testbeds, over SSH
	time pytest --durations=0 tests/e2e

release: testbed  ## a real release on the local testbed: staging, tests, live, tags (TESTBED=scale: on that one)
	ansible-playbook -i $(TESTBED_INVENTORY) release.yml

testbed: venv base-image  ## create or refresh the local two-server testbed, provisioned
	ansible-playbook -i $(TESTBED_INVENTORY) playbooks/testbed.yml playbooks/provision.yml

testbed-scale: venv base-image  ## the same, with live on two app servers behind a load balancer, with PostgreSQL
	$(MAKE) testbed TESTBED=scale

testbed-destroy: venv docker  ## remove the testbed (TESTBED=scale: that one)
	ansible-playbook -i $(TESTBED_INVENTORY) playbooks/testbed-destroy.yml

collection: venv  ## build the collection's tarball into .cache/collection/
	ansible-galaxy collection build --force --output-path .cache/collection .

role-docs: venv  ## write each role's variables into its README, from its argument specs
	scripts/role-docs

# The docs site, built from scratch each time: the reference antsibull-docs writes as
# RST from the collection's own documentation (modules', plugins' and roles' argument
# specs; --fail-on-error: a page it cannot make fails the build, never an error page);
# the Markdown of the README, the changelog, docs/ and the roles' READMEs (myst-parser
# reads them as GitHub shows them; copied where they are in the repository, so that
# their links between each other lead to the same pages); scripts/docs-site/ (Sphinx's
# settings, the first page). sphinx-build -W --keep-going -n: every warning, an
# unresolved reference too, fails it, after listing them all. Offline: no intersphinx.
# antsibull-docs reads the collection where Ansible finds it (--use-current: the link
# under collections/), and wants the directory it writes into writable by itself alone.
DOCS := .cache/docs

docs: role-docs  ## the docs site into .cache/docs/build (guides, roles, modules, plugins), warnings as errors
	rm -rf $(DOCS)
	mkdir -p $(DOCS)/src
	chmod og-w $(DOCS)/src
	ANSIBLE_COLLECTIONS_PATH=$(abspath collections) antsibull-docs collection --use-current \
		--fail-on-error --dest-dir $(DOCS)/src superlists_ops.django
	cp -r README.md CHANGELOG.md docs scripts/docs-site/*.rst $(DOCS)/src/
	for readme in roles/*/README.md; do install -D --mode=644 $$readme $(DOCS)/src/$$readme; done
	time sphinx-build -W --keep-going -n --quiet -b html -c scripts/docs-site $(DOCS)/src $(DOCS)/build
	@echo "the docs site: $(DOCS)/build/index.html"

bench: testbed testbed-scale  ## measure deploys and downtime on both testbeds (BENCH_ARGS="--baseline REV" compares)
	# The tests' helpers read the collection's own code (the site user's name).
	PYTHONPATH=collections python tests/bench.py $(BENCH_ARGS)

debian-packages:
	scripts/ensure-debian-packages $(DEBIAN_PACKAGES)

docker: debian-packages
	scripts/ensure-docker

base-image: docker
	for release in $(DEBIAN_RELEASES); do scripts/build-base-image $(BASE_IMAGE) $$release; done

venv: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.txt superlists/requirements.txt requirements.yml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/ansible-galaxy collection install -r requirements.yml
	touch $@
