"""The DfE SSDA903 return: read an LA's extract, check it, rebuild its children, export (issue 7).

    from ssda903 import read_extract, import_extract, baseline
    imported = import_extract(read_extract("extract/"), la="Leeds")
    print(imported.report.text())           # counts, and every fault with row and rule
    records = imported.child_records()      # problem-format child fields, for the store
    tables = baseline(imported).tables()    # the DfE-style baseline figures

docs/ssda903.md describes the mappings, the checks and what an export can carry.
"""

from ssda903.baseline import Baseline, baseline
from ssda903.checks import check_extract
from ssda903.children import (
    CareChild,
    Import,
    Placement,
    import_extract,
    la_id_prefix,
    periods_of_care,
    rebuild,
)
from ssda903.export import (
    Placed,
    export_903,
    export_placed,
    export_rows,
    siblings_csv,
    to_csv,
    to_xml,
    write_extract,
)
from ssda903.read import (
    Extract,
    ExtractUnreadable,
    Table,
    extract_from_csv,
    extract_from_xml,
    parse_siblings,
    read_extract,
    read_siblings,
)
from ssda903.records import Checked
from ssda903.report import Issue, Report

__all__ = [
    "Baseline",
    "CareChild",
    "Checked",
    "Extract",
    "ExtractUnreadable",
    "Import",
    "Issue",
    "Placed",
    "Placement",
    "Report",
    "Table",
    "baseline",
    "check_extract",
    "export_903",
    "export_placed",
    "export_rows",
    "extract_from_csv",
    "extract_from_xml",
    "import_extract",
    "la_id_prefix",
    "parse_siblings",
    "periods_of_care",
    "read_extract",
    "read_siblings",
    "rebuild",
    "siblings_csv",
    "to_csv",
    "to_xml",
    "write_extract",
]
