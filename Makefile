# The two commands of the README, and the benchmarks. Everything lives in scripts/dev.sh.
.PHONY: run test bench setup messages

run:
	@bash scripts/dev.sh run

test:
	@bash scripts/dev.sh test

bench:
	@bash scripts/dev.sh bench $(ARGS)

setup:
	@bash scripts/dev.sh setup

# Refresh the translation catalogue after changing user-facing strings.
messages:
	@.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=staticfiles --no-obsolete
