"""Request and response bodies, one module per resource (beside the router of the same
name in `api/routes/`); `types` holds the field types they are all built from."""
