"""The PQC testbed: crypto engines behind one interface, benchmarks, interop checks."""
