"""The PQC testbed: crypto engines behind one interface (``engines``), benchmarks (``timing``,
``benchmark_runs``), vendor conformance checks (``conformance``)."""
