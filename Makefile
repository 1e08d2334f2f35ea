# The venv is rebuilt whenever pyproject.toml changes, so a fresh clone needs nothing installed by hand.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint typecheck unit bench bench-bus clean protos chaos

$(STAMP): pyproject.toml
	@echo "building $(VENV) from pyproject.toml with every extra (the first time: about a minute; pip shows its progress)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install -e '.[test,dev,coinbase,protobuf,evm,xrpl,dydx,redis,fast]'
	@touch $(STAMP)
	@echo "$(VENV) is ready. The clobconn command is $(BIN)/clobconn; to call it as clobconn, activate the venv:"
	@echo "    source $(VENV)/bin/activate"

lint: $(STAMP)
	$(BIN)/ruff check clobconn tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy --strict clobconn

unit: $(STAMP)
	$(BIN)/pytest

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/clobconn demo

# Faults, fuzzing and figures on every registered connector over loopback (docs/reliability.md). Prints one
# table per connector and a summary, writes chaos-report.json, exits 1 if any "must be 0" figure is not 0.
# CHAOS_ARGS="--seed N" replays a run; CHAOS_ARGS="--quick binance" is a short run of one connector.
chaos: $(STAMP)
	$(BIN)/python -m clobconn.testing.chaos $(CHAOS_ARGS)

# The Redis Streams bus's costs, against a redis-server started on a loopback port (needs redis-server).
bench-bus: $(STAMP)
	$(BIN)/python -m benchmarks.bench_bus --out benchmarks/results/bus.json

# The protobuf modules (<name>_pb2.py and its .pyi stub) generated from the venues' .proto files, which
# live beside them (clobconn/exchange/mexc/pb/push.proto). protoc comes from grpcio-tools, in a virtualenv
# of its own so that its protobuf pin never touches the project's. Its version fixes the generated code's
# protobuf version (7.35.1 for grpcio-tools 1.85.4): raise the `protobuf` extra's floor with it.
PROTOC_VENV := .venv-protoc
GRPCIO_TOOLS := grpcio-tools==1.85.4
PROTOS := $(wildcard clobconn/exchange/*/pb/*.proto)

protos:
	@test -x $(PROTOC_VENV)/bin/python || $(PYTHON) -m venv $(PROTOC_VENV)
	$(PROTOC_VENV)/bin/python -m pip install --quiet '$(GRPCIO_TOOLS)'
	for proto in $(PROTOS); do \
		dir=$$(dirname $$proto); \
		$(PROTOC_VENV)/bin/python -m grpc_tools.protoc -I$$dir --python_out=$$dir --pyi_out=$$dir $$proto || exit 1; \
	done

# The benchmarks run in their own virtualenv: the peers they measure against are never clobconn's
# dependencies. The first build compiles Hummingbot's Cython extensions from its sdist (a few minutes).
PEERS_VENV := benchmarks/.venv-peers
PEERS_BIN := $(PEERS_VENV)/bin
PEERS_REQ := benchmarks/requirements-peers.txt
PEERS_STAMP := $(PEERS_VENV)/.installed

$(PEERS_STAMP): $(PEERS_REQ) pyproject.toml
	@test -x $(PEERS_BIN)/python || $(PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_BIN)/python -m pip install --quiet --upgrade pip
	$(PEERS_BIN)/python -m pip install --quiet --no-deps $$(grep -iE '^(setuptools|wheel|cython|numpy)==' $(PEERS_REQ))
	@echo "installing the peers (the first time, Hummingbot's sdist compiles for a few minutes)"
	$(PEERS_BIN)/python -m pip install --quiet --no-deps --no-build-isolation -r $(PEERS_REQ)
	$(PEERS_BIN)/python -m pip install --quiet --no-build-isolation -c $(PEERS_REQ) -e .
	@touch $(PEERS_STAMP)

bench: $(PEERS_STAMP)
	$(PEERS_BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) $(PROTOC_VENV) .mypy_cache .pytest_cache .ruff_cache
