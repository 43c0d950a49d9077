"""The DfE SSDA903 return: read an LA's extract, check it, rebuild its children, export (issue 7)."""
