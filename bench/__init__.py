"""`placematch bench`: the product against the officer-style greedy baseline, the naive
CP-SAT model and the bounds, on generated instances (issue 3).

- `bench.metrics`: the measures, as pure functions of a problem and a result;
- `bench.runner`: generate the instances and run each method in a fresh process;
- `bench.report`: the markdown tables (results with ratios, and equity);
- `bench.postgres`: a throwaway PostgreSQL cluster (the tests' and the soak's);
- `bench.soak`: `placematch soak`, the fault and load suite over HTTP (issue 13);
- `bench.dfe903`: the 903 exports checked by the DfE's validator (issue 17).
"""
