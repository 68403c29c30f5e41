# The project's common commands in one place. The README's two set-up commands are `make run`
# and `make test`; CI runs `bash .ci/run`, which calls `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# llama-cpp-python compiles on install: a portable AVX2 build without its examples and tools takes
# ~4 min on 2 cores (pip caches the wheel). -march=native would enable AMX kernels that crash on
# multi-token prompts on some Xeons, so GGML_NATIVE stays off.
# AVX-512 kernels are added when this CPU has them (~35% faster prompt processing measured here).
AVX512 := $(shell grep -q avx512_vnni /proc/cpuinfo 2>/dev/null && echo "-DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX512_BF16=ON")
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON $(AVX512) -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_DISABLE_TELEMETRY := 1
export ANONYMIZED_TELEMETRY := False
# The public RealTimeQA data, read in place when it sits beside the checkout (never copied into it).
export NEWSBOT_BENCHMARK_DATA ?= $(abspath $(wildcard ../shared/benchmarks/realtimeqa-2023q4))

.PHONY: install install-test run chat test test-fast lint format typecheck eval eval-ci bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e '.[local]'

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[local,test]'

# Install, index the bundled corpus (unchanged files are skipped), open the web chat.
run: install
	$(BIN)/bot ingest corpus/
	$(BIN)/bot serve

# The terminal question loop on the bundled corpus.
chat: install
	$(BIN)/bot ingest corpus/
	$(BIN)/bot chat

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck:
	$(BIN)/mypy bot

# Everything CI runs: lint, types, all tests with coverage, the gold-set gate.
test: install-test
	$(MAKE) lint typecheck
	$(BIN)/pytest -q --durations=15 --cov=bot --cov-report=term --cov-fail-under=$$(cat .ci/coverage-floor)

# The edit-test loop: no answer model, server or browser.
test-fast:
	$(BIN)/pytest -q -m "not slow" -x

eval:
	$(BIN)/bot eval

bench:
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
