# Shortcuts; dev.py does the work (a fresh machine may have Python but no make).
.PHONY: run test lint ci

run:
	python3 dev.py run

test:
	python3 dev.py test

lint:
	python3 dev.py lint

ci:
	.ci/run
