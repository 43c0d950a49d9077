"""The product's 903 exports checked by the DfE's own validator (issue 17).

- `bench.dfe903.venv`: the validator's own venv (pinned `csc-validator-be-903`), built
  once and reused;
- `bench.dfe903.runner`: the script the validator's Python runs (never the product's);
- `bench.dfe903.exports`: every export path the product writes, for a return year;
- `bench.dfe903.check`: generate, validate, compare with `EXPLAINED`
  (`placematch ssda903 dfe-check`; docs/ssda903.md "Checked by the DfE validator").
"""
